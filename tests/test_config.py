"""Configuration: defaults, presets, config/default.toml, validation, --set coercion."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest

from livecut.config import (SECTIONS, Config, SegmentConfig, describe, documented_keys, load_config,
                            parse_override, preset_names, presets_dir)
from livecut.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TOML = REPO / "config" / "default.toml"


def test_defaults_load():
    cfg = load_config()
    assert cfg == Config()
    assert cfg.segment.method == "focusnet"
    assert isinstance(describe(cfg)["segment"]["work_size"], int)


def test_presets_present_and_load():
    names = preset_names()
    assert {"default", "fast", "quality"} <= set(names)
    for name in names:
        cfg = load_config(name)
        assert isinstance(cfg, Config)
    assert load_config("default") == Config()
    assert load_config("fast").segment.work_size < Config().segment.work_size
    assert load_config("quality").segment.model == "ensemble"
    assert presets_dir() == REPO / "config"


def test_preset_files_are_valid_toml_with_known_keys():
    for path in sorted((REPO / "config").glob("*.toml")):
        data = tomllib.loads(path.read_text())
        data.pop("preset", None)
        for section, values in data.items():
            assert section in SECTIONS, f"{path.name}: [{section}]"
            known = {f.name for f in dataclasses.fields(SECTIONS[section])}
            assert set(values) <= known, f"{path.name}: {set(values) - known}"


def test_default_toml_matches_dataclass_defaults():
    data = tomllib.loads(DEFAULT_TOML.read_text())
    expected = describe(Config())
    assert set(data) == set(expected), "sections of config/default.toml"
    for section, values in expected.items():
        assert data[section] == values, f"[{section}] in config/default.toml differs from the dataclass defaults"


def test_default_toml_documents_every_key():
    lines = DEFAULT_TOML.read_text().splitlines()
    section = None
    seen = {}
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
        elif s and not s.startswith("#") and "=" in s and section:
            key = s.split("=", 1)[0].strip()
            prev = lines[i - 1].strip() if i else ""
            assert prev.startswith("#") and len(prev) > 3, f"{section}.{key} has no comment line above it"
            seen[(section, key)] = prev
    expected = {(sec, key) for sec, key, _, _ in documented_keys()}
    assert set(seen) == expected
    # ... and says what the field's documentation says (one text, not two that drift apart)
    for sec, key, _, doc in documented_keys():
        assert doc in seen[(sec, key)], f"{sec}.{key}: its comment in config/default.toml differs from its doc"
    # every field carries its documentation
    assert all(doc for _, _, _, doc in documented_keys())


def test_documented_ranges_in_default_toml():
    text = DEFAULT_TOML.read_text()
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            if f.metadata.get("choices"):
                assert f"one of: {', '.join(f.metadata['choices'])}" in text, f"{section}.{f.name}"


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("override,names", [
    ("segment.bogus=1", "segment.bogus"),
    ("bogus.key=1", "[bogus]"),
    ("segment.work_size=10", "segment.work_size"),
    ("segment.work_size=99999", "segment.work_size"),
    ("segment.work_size=abc", "segment.work_size"),
    ("segment.work_size=1.5", "segment.work_size"),
    ("segment.work_size=true", "segment.work_size"),
    ("segment.threshold=2", "segment.threshold"),
    ("segment.threshold=-0.1", "segment.threshold"),
    ("segment.threshold=high", "segment.threshold"),
    ("segment.threshold=1" + "0" * 400, "segment.threshold: expected a finite number"),
    ("video.open_timeout=1" + "0" * 400, "video.open_timeout: expected a finite number"),
    ("segment.fill_holes=maybe", "segment.fill_holes"),
    ("segment.fill_holes=2", "segment.fill_holes"),
    ("segment.method=magic", "segment.method"),
    ("segment.keep=some", "segment.keep"),
    ("segment.method=3", "segment.method: expected one of focusnet, focus, canny, got 3"),
    ("video.deinterlace=true", "video.deinterlace: expected one of auto, on, off, got true"),
    ("segment.tta=false", "segment.tta: expected one of auto, flip, off, got false"),
    ("video.codec=1", "video.codec: expected a string, got 1"),
    ("video.crf=true", "video.crf: expected a number, got true"),  # (x264 and x265 take 18.5)
    ("video.queue_size=true", "video.queue_size: expected an integer, got true"),
    ("segment.threshold=false", "segment.threshold: expected a number, got false"),
    ("segment.threshold=1979-05-27", "segment.threshold: expected a number, got 1979-05-27"),  # (a TOML date:
    ("video.codec=07:32:00", "video.codec: expected a string, got 07:32:00"),  # it was datetime.date(1979, 5, 27))
    ("composite.mode=sepia", "composite.mode"),
    ("composite.blur_strength=5", "composite.blur_strength"),
    ("smooth.rate=0", "smooth.rate"),
    ("video.crf=100", "video.crf"),
    ("video.rtsp_transport=http", "video.rtsp_transport"),
])
def test_bad_override_names_the_key(override, names):
    with pytest.raises(ConfigError) as info:
        load_config(None, [override])
    assert names in str(info.value)


@pytest.mark.parametrize("text", ["segment", "work_size=3", "=3", "segment.work_size"])
def test_malformed_override(text):
    with pytest.raises(ConfigError, match=f"^override {text!r}: "):
        load_config(None, [text])


@pytest.mark.parametrize("text,said", [
    ("segment", r"\[segment\] is a section; give one of its keys and a value, section.key=value, e.g. "
                r"segment.method=\.\.\. \(keys: method, work_size, "),
    ("video.crf", r"no value; expected section.key=value: video.crf=VALUE$"),
    ("preset=quality", r"a preset is chosen with load_config\('quality'\) \(presets: default, fast, quality\); "
                       r"video.preset is x264's speed$"),
])
def test_a_section_alone_a_key_without_value_or_a_preset_say_what_to_give(text, said):
    """They were "expected section.key=value" alone, and --set preset=quality "the key must be
    section.key, e.g. video.preset" (x264's speed, not the preset meant)."""
    with pytest.raises(ConfigError, match=said):
        load_config(None, [text])


def _write(tmp_path: Path, text: str, name: str = "my.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_file_unknown_section_and_key(tmp_path):
    with pytest.raises(ConfigError, match=r"\[nope\]"):
        load_config(_write(tmp_path, "[nope]\nx = 1\n"))
    with pytest.raises(ConfigError, match="segment.nope"):
        load_config(_write(tmp_path, "[segment]\nnope = 1\n"))
    with pytest.raises(ConfigError, match="segment.threshold"):
        load_config(_write(tmp_path, "[segment]\nthreshold = 7.0\n"))
    with pytest.raises(ConfigError, match="segment.work_size"):
        load_config(_write(tmp_path, "[segment]\nwork_size = \"big\"\n"))
    with pytest.raises(ConfigError, match="segment"):
        load_config(_write(tmp_path, "segment = 3\n"))


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    bad = _write(tmp_path, "[segment\nwork_size = ", "bad.toml")
    with pytest.raises(ConfigError, match="bad.toml.*invalid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="unknown preset 'turbo'"):
        load_config("turbo")
    wrong = _write(tmp_path, "[segment]\nwork_size = \"big\"\n", "wrong.toml")
    with pytest.raises(ConfigError, match=r"wrong\.toml, line 2: segment\.work_size: expected an integer"):
        load_config(wrong)


def test_paths_in_a_config_file_are_beside_it(tmp_path, monkeypatch):
    """A base preset and an image:/video: background named by a relative path are found
    beside the config file, wherever livecut runs (they were read from the current folder)."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "bg.png").write_bytes(b"")
    _write(conf, "[segment]\nwork_size = 400\n", "base.toml")
    child = _write(conf, 'preset = "base.toml"\n[composite]\nbackground = "image:bg.png"\n', "child.toml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(str(child))
    assert cfg.segment.work_size == 400
    assert cfg.composite.background == f"image:{conf / 'bg.png'}"
    absolute = _write(conf, f'[composite]\nbackground = "video:{tmp_path}/v.mp4"\n', "abs.toml")
    assert load_config(str(absolute)).composite.background == f"video:{tmp_path}/v.mp4"
    assert load_config(str(_write(conf, '[composite]\nbackground = "color:#00ff00"\n', "c.toml"))
                       ).composite.background == "color:#00ff00"


def test_a_space_after_a_file_backgrounds_colon_is_no_part_of_its_name(tmp_path, monkeypatch):
    """background = "image: bg.png" in a file of another folder is its bg.png, as -b 'image: bg.png'
    is bg.png: it was 'file not found: conf/ bg.png' (the space kept, between the folder and the
    name), though it was found from the file's own folder."""
    from livecut.composite import parse_background

    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "bg.png").write_bytes(b"")
    child = _write(conf, '[composite]\nbackground = "image: bg.png"\n', "child.toml")
    monkeypatch.chdir(tmp_path)
    cfg = load_config(str(child))
    assert parse_background(cfg.composite.background, files=False).path == conf / "bg.png"
    # (a file whose name starts with the space is that file, as -b takes it)
    (conf / " odd.png").write_bytes(b"")
    odd = _write(conf, '[composite]\nbackground = "video: odd.png"\n', "odd.toml")
    assert load_config(str(odd)).composite.background == f"video:{conf / ' odd.png'}"


# ---------------------------------------------------------------- coercion

def test_set_coercion():
    cfg = load_config(None, [
        "segment.work_size=256",        # int
        "segment.threshold=0.6",        # float
        "segment.min_area=0",           # int literal into a float key
        "segment.fill_holes=false",     # bool
        "segment.keep=largest",         # bare string
        "segment.refine=\"none\"",      # quoted string
        "smooth.enabled=no",            # bool word
        "segment.canny_low=20.0",       # integral float into an int key
        "composite.background=color:#00ff00",  # string with ':' and '#'
        " segment.canny_high = 120 ",   # spaces
    ])
    s = cfg.segment
    assert s.work_size == 256 and isinstance(s.work_size, int)
    assert s.threshold == 0.6 and isinstance(s.threshold, float)
    assert s.min_area == 0.0 and isinstance(s.min_area, float)
    assert s.fill_holes is False and cfg.smooth.enabled is False
    assert s.keep == "largest" and s.refine == "none"
    assert s.canny_low == 20 and isinstance(s.canny_low, int) and s.canny_high == 120
    assert cfg.composite.background == "color:#00ff00"


@pytest.mark.parametrize("word,value", [("true", True), ("1", True), ("yes", True), ("on", True),
                                        ("false", False), ("0", False), ("off", False), ("TRUE", True)])
def test_bool_words(word, value):
    assert load_config(None, [f"segment.fill_holes={word}"]).segment.fill_holes is value


def test_later_override_wins_and_others_untouched():
    cfg = load_config("fast", ["segment.work_size=200", "segment.work_size=210"])
    assert cfg.segment.work_size == 210
    assert cfg.segment.refine == load_config("fast").segment.refine
    assert cfg.composite == Config().composite


def test_parse_override():
    assert parse_override("segment.work_size=256") == {"segment": {"work_size": 256}}
    assert parse_override("composite.background=image:/a b.png") == {"composite": {"background": "image:/a b.png"}}


def test_an_override_with_a_second_line_is_one_value_not_two_keys():
    """--set 'segment.threshold=0.5<newline>segment.work_size=64000' (a value pasted with its
    next line) was read as TOML, the value's first line taken and the second line -- another
    key, out of range -- dropped without a word; it is one value, refused as such."""
    with pytest.raises(ConfigError, match=r"segment\.threshold: expected a number, got '0\.5\\nsegment"):
        load_config(None, ["segment.threshold=0.5\nsegment.work_size=64000"])
    text = 'video.codec="libx264"\n[segment]\nwork_size = 64000'
    assert parse_override(text) == {"video": {"codec": '"libx264"\n[segment]\nwork_size = 64000'}}
    assert parse_override("segment.threshold=0.5  # a comment") == {"segment": {"threshold": 0.5}}


def test_file_with_base_preset(tmp_path):
    p = _write(tmp_path, 'preset = "fast"\n[segment]\nthreshold = 0.6\n')
    cfg = load_config(p)
    fast = load_config("fast")
    assert cfg.segment.work_size == fast.segment.work_size
    assert cfg.segment.refine == fast.segment.refine
    assert cfg.segment.threshold == 0.6
    # and --set on top of the file
    cfg2 = load_config(p, ["segment.work_size=300"])
    assert cfg2.segment.work_size == 300 and cfg2.segment.threshold == 0.6


def test_file_preset_must_be_another_preset(tmp_path):
    with pytest.raises(ConfigError, match="preset"):
        load_config(_write(tmp_path, "preset = 3\n"))
    with pytest.raises(ConfigError, match="unknown preset"):
        load_config(_write(tmp_path, 'preset = "nope"\n'))
    with pytest.raises(ConfigError, match="in a loop"):  # (a file that names itself)
        load_config(_write(tmp_path, 'preset = "self.toml"\n', name="self.toml"))


def test_a_chain_of_presets_too_deep_is_said_so_not_a_loop(tmp_path):
    """A chain of distinct files each naming the next (f00.toml -> f01.toml -> ...) deeper than
    16 was refused as 'presets name each other in a loop': no file names one before it; it is
    said to be too deep (the limit kept), and a real loop is still a loop."""
    def chain(n):
        folder = tmp_path / f"chain{n}"
        folder.mkdir()
        for i in range(n):
            _write(folder, f'preset = "f{i + 1:02d}.toml"\n' if i < n - 1 else "[segment]\nthreshold = 0.6\n",
                   name=f"f{i:02d}.toml")
        return folder / "f00.toml"

    assert load_config(chain(17)).segment.threshold == 0.6   # (16 files name a base: the limit)
    with pytest.raises(ConfigError) as exc:
        load_config(chain(18))
    msg = str(exc.value)
    assert "loop" not in msg, msg
    assert "f16.toml, line 1: presets are nested more than 16 deep (f00.toml -> f01.toml -> " in msg, msg
    assert msg.endswith("f16.toml -> f17.toml)"), msg
    _write(tmp_path, 'preset = "b.toml"\n', name="a.toml")
    _write(tmp_path, 'preset = "c.toml"\n', name="b.toml")
    _write(tmp_path, 'preset = "a.toml"\n', name="c.toml")
    with pytest.raises(ConfigError, match=r"in a loop \(a.toml -> b.toml -> c.toml -> a.toml\)"):
        load_config(tmp_path / "a.toml")


def test_a_file_named_after_its_base_preset_starts_from_the_shipped_one(tmp_path, monkeypatch):
    """my/fast.toml with preset = "fast" (a copy of the shipped preset, tweaked, its name kept)
    was refused: "preset must name another preset"; it names the shipped preset."""
    p = _write(tmp_path, 'preset = "fast"\n[segment]\nthreshold = 0.6\n', name="fast.toml")
    cfg = load_config(p)
    assert cfg.segment.threshold == 0.6
    assert cfg.segment.work_size == load_config("fast").segment.work_size != Config().segment.work_size
    # a shipped preset that names itself is still a loop
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    _write(shipped, "", "default.toml")
    _write(shipped, 'preset = "fast"\n', "fast.toml")
    monkeypatch.setattr("livecut.config.presets_dir", lambda: shipped)
    with pytest.raises(ConfigError, match="in a loop"):
        load_config("fast")


def test_an_empty_config_name_is_said_to_be_empty():
    """-c "" was "unknown preset '' (...; '' is a folder)": Path("") is the current folder."""
    with pytest.raises(ConfigError) as exc:
        load_config("")
    assert str(exc.value).startswith("load_config: source is empty: give a preset (default, fast, quality")
    assert "folder" not in str(exc.value)


def test_a_base_that_is_not_there_names_the_file_that_asks_for_it(tmp_path):
    """A preset = line naming no preset or no file was "unknown preset 'nope'" or "base.toml:
    config file not found": not which of the user's files said so."""
    p = _write(tmp_path, 'preset = "nope"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert str(exc.value).startswith(f"{p}, line 1: preset = 'nope': unknown preset (known: default")
    p = _write(tmp_path, 'preset = "base.toml"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert str(exc.value) == f"{p}, line 1: preset = 'base.toml': no file {tmp_path / 'base.toml'}"


@pytest.mark.parametrize("line,said", [
    ('preset = "nope"', "preset = 'nope': unknown preset (known: default, fast, quality; or a .toml path, "
                        "beside this file)"),
    ('preset = "fastt"', "preset = 'fastt': unknown preset; did you mean fast? (known: "),
    ('preset = "gone.toml"', "preset = 'gone.toml': no file "),
    ('preset = "shots/"', "preset = 'shots/': "),
    ('preset = "top.toml"', "presets name each other in a loop (top.toml -> base.toml -> top.toml)"),
    ('preset = 3', "preset = 3: preset must name another preset"),
])
def test_a_base_that_cannot_be_read_names_the_line_that_names_it(tmp_path, line, said):
    """A base's preset = line that named no preset, no file, a folder or a loop was said with its
    file alone ("base.toml: preset = 'nope': unknown preset"), where a refused value in the same
    file, or in the user's own, says its file and line: it is said with its line, in the base a
    file names (below its comments) as in the file given to -c, from the library and the CLI."""
    from conftest import run_cli

    (tmp_path / "shots").mkdir()
    base = _write(tmp_path, f"# my base\n# preset = \"fast\" would do too\n\n{line}\n[segment]\nwork_size = 256\n",
                  "base.toml")
    top = _write(tmp_path, '# mine\npreset = "base.toml"\n[segment]\nthreshold = 0.5\n', "top.toml")
    for given in (base, top):
        with pytest.raises(ConfigError) as exc:
            load_config(given)
        msg = str(exc.value)
        if "loop" in said and given == base:  # (the loop is closed by the other file's line)
            assert msg.startswith(f"{top}, line 2: presets name each other in a loop (base.toml -> top.toml"), msg
            continue
        assert msg.startswith(f"{base}, line 4: {said}"), msg
    r = run_cli("bench", "-c", str(top), "--frames", "1")
    assert r.returncode == 2 and f"{base}, line 4: {said}" in r.stderr, r.stderr


@pytest.mark.parametrize("text,said", [
    ('# a section as one line\n\nsegment = { work_size = 256, threshold = 2 }\n',
     "line 3: segment.threshold: 2 is above the maximum 0.95$"),
    ("# mine\nvideo = {crf = 1e3}\n", "line 2: video.crf: 1e3 is above the maximum 63$"),
    ('[segment]\n"thrésh" = 0.5\n', "line 2: unknown key segment.thrésh "),
    ('[video]\n"crf" = 99  # "quoted"\n', "line 2: video.crf: 99 is above the maximum 63$"),
])
def test_a_value_in_an_inline_table_or_a_quoted_key_names_its_line(tmp_path, text, said):
    """A value refused in an inline table (segment = {threshold = 2}: TOML writes one on its one
    line) or a key in quotes holding a letter other than ASCII's ("thrésh" = 0.5) was said with
    its file alone, "my.toml: segment.threshold: ...", in the user's file as in a base it names;
    the other keys say their line.  It is said."""
    mine = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(mine))}, {said}"):
        load_config(mine)
    top = _write(tmp_path, 'preset = "my.toml"\n', "top.toml")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(mine))}, {said}"):
        load_config(top)


@pytest.mark.parametrize("base", ["shots/", "./shots", "./"])
def test_a_base_that_is_a_folder_names_the_file_that_asks_for_it(tmp_path, base):
    """preset = "shots/" (a folder beside the file) was "shots: is a folder; give a preset ...
    or a .toml file", without the file whose line named it, as a base that is not there says it."""
    (tmp_path / "shots").mkdir()
    p = _write(tmp_path, f'preset = "{base}"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    folder = tmp_path / base
    assert str(exc.value) == (f"{p}, line 1: preset = {base!r}: {folder} is a folder; name a .toml file or a preset "
                              "(default, fast, quality)")


@pytest.mark.parametrize("text, want", [
    ("[segment.threshold]\n", "a number"),
    ("[segment]\nthreshold.x = 0.5\n", "a number"),
    ("[video.codec]\nname = 'libx264'\n", "a string"),
    ("[segment.soft]\n", "true or false"),
    ("[segment.tta]\n", "one of auto, flip, off"),
])
def test_a_key_written_as_a_section_is_said_as_one(tmp_path, text, want):
    """[segment.threshold] (a key given as a section, or a dotted key under it) was "segment.threshold:
    expected a number, got {}" -- Python's words for the table, not the file's."""
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    key = text.split("]")[0].lstrip("[") if text.count("[") == 1 and "." in text.split("]")[0] else "segment.threshold"
    section, name = key.split(".")
    line = 2 if "\nthreshold.x" in text else 1
    assert str(exc.value) == (f"{p}, line {line}: {key}: expected {want}, got a table ([{key}]); {name} is a key: "
                              f"{name} = VALUE under [{section}]")


def test_a_base_file_under_home_is_read(tmp_path, monkeypatch):
    """preset = "~/base.toml" was taken for an absolute path, then read as it was written (a
    folder named ~ in the current one): "config file not found"."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    _write(home, "[segment]\nwork_size = 200\n", "base.toml")
    p = _write(tmp_path, 'preset = "~/base.toml"\n[segment]\nthreshold = 0.6\n')
    cfg = load_config(p)
    assert cfg.segment.work_size == 200 and cfg.segment.threshold == 0.6


def test_a_config_file_under_home_is_read(tmp_path, monkeypatch):
    """load_config("~/livecut.toml") from Python (or -c '~/x.toml' quoted, where no shell
    expands it) was "config file not found": the ~ was read as a folder of that name."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    _write(home, "[segment]\nwork_size = 200\n", "mine.toml")
    for source in ("~/mine.toml", Path("~/mine.toml")):
        assert load_config(source).segment.work_size == 200
    with pytest.raises(ConfigError, match="not found"):
        load_config("~/other.toml")


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path):
    """Notepad's "UTF-8 with BOM" (a copy of default.toml edited on Windows) was refused as
    "invalid TOML: Invalid statement (at line 1, column 1)".  A byte that is not UTF-8 (a Latin-1
    letter in a comment) was said by its offset alone, "(byte 29)": it is said by its line."""
    p = tmp_path / "my.toml"
    p.write_bytes("\ufeff[segment]\r\nthreshold = 0.6\r\n".encode())
    assert load_config(p).segment.threshold == 0.6
    p.write_bytes("\ufeff[segment]\nthreshold = 0.6\n".encode() + b"\xff")
    with pytest.raises(ConfigError, match=r"my\.toml, line 3: invalid TOML: not UTF-8 text \(column 1: byte 0xff\)$"):
        load_config(p)
    p.write_bytes("\ufeff[segment]\nthreshold = 0.6 # café \n".encode() + b"# caf\xe9\n")
    with pytest.raises(ConfigError, match=r"my\.toml, line 3: invalid TOML: not UTF-8 text \(column 6: byte 0xe9\)$"):
        load_config(p)
    p.write_bytes("\ufeffé".encode() + b"\xff")  # (columns in characters, the BOM not one)
    with pytest.raises(ConfigError, match=r"my\.toml, line 1: invalid TOML: not UTF-8 text \(column 2: byte 0xff\)$"):
        load_config(p)


def test_a_small_video_or_photo_given_as_config_is_named(tmp_path):
    """-c clip.mp4 (a small video, given by mistake) was "invalid TOML: not UTF-8 text (at line 1,
    column 44: byte 0xca)", as if a text file held one odd letter: a file with NUL bytes (which
    TOML text never holds) is said to be what it looks like, not a config."""
    import av
    clip = tmp_path / "clip.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height = 64, 48
        for _ in range(3):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="bgr24")))
        out.mux(stream.encode(None))
    with pytest.raises(ConfigError, match=r"clip\.mp4: a video \(MP4/MOV\), not a config file \(a config is a short "
                                          r"TOML text file"):
        load_config(clip)
    photo = tmp_path / "shot.png"
    cv2.imwrite(str(photo), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ConfigError, match=r"shot\.png: a PNG image, not a config file"):
        load_config(photo)
    odd = tmp_path / "blob.bin"
    odd.write_bytes(b"[segment]\0\x01\x02")
    with pytest.raises(ConfigError, match=r"blob\.bin: a binary file, not a config file"):
        load_config(odd)


def test_a_file_saved_as_utf16_loads(tmp_path):
    """A copy of default.toml saved by Windows PowerShell (`Get-Content ... > my.toml`, `Out-File`:
    UTF-16 with its byte-order mark) was "invalid TOML: not UTF-8 text (byte 0)"."""
    p = tmp_path / "my.toml"
    for encoding in ("utf-16-le", "utf-16-be"):
        p.write_bytes("\ufeff[segment]\r\nthreshold = 0.6\r\n".encode(encoding))  # (its BOM first)
        assert load_config(p).segment.threshold == 0.6
        # (a file cut short, an odd byte at its end, was "not UTF-8 text (at line 3, column 1 ...)")
        p.write_bytes("\ufeff[segment]\r\nthreshold = 0.6\r\n".encode(encoding) + b"x")
        with pytest.raises(ConfigError, match=r"my\.toml: invalid TOML: not UTF-16 text, as its byte-order mark "
                                              r"says \(byte 58: truncated data\)$"):
            load_config(p)


def test_copy_of_default_toml_loads(tmp_path):
    p = _write(tmp_path, DEFAULT_TOML.read_text(), "copy.toml")
    assert load_config(p) == Config()


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SegmentConfig().work_size = 3  # type: ignore[misc]


# ---------------------------------------------------------------- audit: what users meet

@pytest.mark.parametrize("override,hint", [
    ("segment.threshhold=0.5", "did you mean segment.threshold?"),
    ("segment.background=blur", "background is in [composite]: composite.background"),
    ("smooth.threshold=0.5", "threshold is in [segment]: segment.threshold"),
    ("segmnt.threshold=0.5", "did you mean segment?"),
    ("composite.Mode=mask", "did you mean composite.mode?"),
])
def test_unknown_key_suggests_the_meant_one(override, hint):
    """A misspelt key or one in the wrong section said only 'unknown key' and listed the
    section's keys: the one meant is named."""
    with pytest.raises(ConfigError) as info:
        load_config(None, [override])
    assert hint in str(info.value)


def test_unknown_key_in_a_file_suggests_the_meant_one(tmp_path):
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: unknown key segment\.threshhold; did you mean "
                                          r"segment\.threshold\?"):
        load_config(_write(tmp_path, "[segment]\nthreshhold = 0.5\n"))
    with pytest.raises(ConfigError, match=r"composite\.background"):
        load_config(_write(tmp_path, '[segment]\nbackground = "blur"\n'))


@pytest.mark.parametrize("text", ['[segment]\nthreshold = 0.5\npreset = "fast"\n',
                                  '[smooth]\npreset = "my-base.toml"\n'])
def test_a_base_preset_written_under_a_section_says_where_it_goes(tmp_path, text):
    """`preset = "fast"` added at the end of a file lands in its last [section]: it was "unknown
    key segment.preset; preset is in [video]: video.preset" -- the x264 speed, not the base
    preset the user meant."""
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    said = str(info.value)
    assert "above every [section]" in said and "is in [video]" not in said


def test_a_base_preset_written_under_video_is_said_where_the_encoder_refuses_it(tmp_path):
    """`preset = "quality"` added at the end of a file whose last section is [video] is
    video.preset, x264's speed: the encoder refused it as no x264 preset, without a word of the
    base preset the user meant."""
    from livecut.errors import UsageError
    from livecut.sinks.file import check_encoder

    cfg = load_config(_write(tmp_path, '[video]\ncrf = 22\npreset = "quality"\n'))
    with pytest.raises(UsageError) as info:
        check_encoder(cfg.video.codec, cfg.video.preset)
    said = str(info.value)
    assert "not an x264/x265 preset" in said and "'quality' is a livecut preset" in said
    assert "above every [section]" in said
    with pytest.raises(UsageError) as info:  # (one that is no preset of livecut's either: as it was)
        check_encoder("libx264", "fastest")
    assert "livecut preset" not in str(info.value)


def test_a_base_named_as_a_shipped_preset_file_says_the_preset(tmp_path):
    """preset = "fast.toml" (the shipped file's name, not beside this file) was "no file
    .../fast.toml", as -c fast.toml says "(the shipped preset is -c fast)"."""
    with pytest.raises(ConfigError, match=r"no file .*fast\.toml \(the shipped preset is preset = \"fast\"\)"):
        load_config(_write(tmp_path, 'preset = "fast.toml"\n'))


def test_set_without_a_section_names_the_full_key():
    with pytest.raises(ConfigError, match=r"e\.g\. segment\.threshold"):
        load_config(None, ["threshold=0.5"])


def test_a_folder_named_like_a_preset_does_not_hide_it(tmp_path, monkeypatch):
    """`-c quality` where the current folder holds a folder quality/ (an output folder, say)
    read the folder: 'quality: cannot read config: Is a directory'."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quality").mkdir()
    (tmp_path / "fast").mkdir()
    assert load_config("quality") == load_config(presets_dir() / "quality.toml")
    assert load_config("fast").segment.work_size == 192
    with pytest.raises(ConfigError, match="source is empty"):
        load_config("")


def test_a_preset_name_mistaken_for_a_file_or_a_folder_says_so(tmp_path, monkeypatch):
    """-c fast.toml where no such file is (the preset is -c fast), and -c FOLDER, say what
    went wrong: they were "config file not found" and "unknown preset" alone."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"fast\.toml: config file not found \(the shipped preset is "
                                          r"load_config\('fast'\)\)"):
        load_config("fast.toml")
    with pytest.raises(ConfigError, match=r"config file not found$"):
        load_config("mine.toml")
    (tmp_path / "shots").mkdir()
    with pytest.raises(ConfigError, match=r"unknown preset 'shots' .*'shots' is a folder\)"):
        load_config("shots")


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_a_config_from_a_pipe_is_read_not_taken_for_a_preset():
    """`-c <(...)` or `-c /dev/stdin`: a pipe is no regular file, but it is read (the check
    that lets a folder not hide a preset took it for an unknown preset)."""
    import threading

    r, w = os.pipe()

    def feed():
        os.write(w, b"[segment]\nwork_size = 200\n")
        os.close(w)

    t = threading.Thread(target=feed)
    t.start()
    try:
        assert load_config(f"/dev/fd/{r}").segment.work_size == 200
    finally:
        t.join()
        os.close(r)


def test_set_edge_forms():
    """'=' in the value, a key with no value, lists, quoted numbers, repeated keys."""
    assert load_config(None, ["composite.background=image:a=b.png"]).composite.background == "image:a=b.png"
    assert load_config(None, ["segment.threshold='0.5'"]).segment.threshold == 0.5
    assert load_config(None, ["segment.threshold=0.5", "segment.threshold=0.6"]).segment.threshold == 0.6
    with pytest.raises(ConfigError, match="segment.threshold: expected a number, got ''"):
        load_config(None, ["segment.threshold="])
    with pytest.raises(ConfigError, match=r"segment.method: expected one of focusnet, focus, canny, got \[1, 2\]"):
        load_config(None, ["segment.method=[1, 2]"])


@pytest.mark.parametrize("text", ["segment . threshold=0.5", "segment .threshold=0.5", "segment. threshold = 0.5",
                                  " segment\t.  threshold = 0.5 ", "segment.threshold = 0.5"])
def test_an_override_with_spaces_around_its_dot_is_taken(text):
    """--set 'segment . threshold=0.5' (spaces around the dot, as TOML takes a dotted key and as
    the = takes them) was "unknown section [segment ]; did you mean segment?": taken."""
    assert load_config(None, [text]).segment.threshold == 0.5
    assert parse_override(text) == {"segment": {"threshold": 0.5}}
    with pytest.raises(ConfigError, match=r"no value; expected section\.key=value: segment\.threshold=VALUE$"):
        load_config(None, ["segment . threshold"])
    with pytest.raises(ConfigError, match=r"^override: unknown key segment\.thresold; did you mean segment\.threshold\?"):
        load_config(None, ["segment . thresold=0.5"])


def _report_settings(src, dst, kind, force, settings):
    """An item function that reports the backgrounds its worker was given."""
    return {"status": "ok", "frames": 1, "written": False, "seconds": 0.0,
            "notes": [f"bg={settings.background}", f"cfg={settings.cfg.composite.background}",
                      f"work_size={settings.cfg.segment.work_size}"]}


def test_batch_workers_get_the_config_with_backgrounds_absolute(tmp_path, monkeypatch):
    """A worker runs in its own folder (a Ray node's; a forkserver started before a chdir):
    a relative image:/video: background (-b or the configuration) reached it relative."""
    import cv2
    import numpy as np

    from livecut.batch import run_batch

    monkeypatch.chdir(tmp_path)
    cv2.imwrite("bg.png", np.full((32, 32, 3), 90, np.uint8))
    cv2.imwrite("p.png", np.random.default_rng(0).integers(0, 255, (40, 40, 3), np.uint8))
    cfg = load_config(None, ["composite.background=image:bg.png", "segment.work_size=200"])
    report = run_batch(["p.png"], tmp_path / "out", cfg, jobs=1, background="image:bg.png",
                       item_fn=_report_settings)
    assert report.done == 1, report.errors
    bg = f"image:{tmp_path / 'bg.png'}"
    assert sorted(report.notes) == sorted([f"bg={bg}", f"cfg={bg}", "work_size=200"])


@pytest.mark.parametrize("value", ["nonsense", "color:#12345", "color:chartreuse-ish", "image:", "video:",
                                   "image:https://user:pw@example.com/bg.png"])
def test_a_bad_background_in_a_file_is_refused_when_the_file_is_read(tmp_path, value):
    """composite.background = "nonsense" in a -c file was taken as is, and refused only when a
    command made a background of it, as 'background 'nonsense': ...' (no key, no file); a run
    that used no background never said it. It is refused as the other keys are: on loading,
    naming the file and the key. (The picture or video itself is looked for when it is used.)"""
    bad = _write(tmp_path, f'[composite]\nbackground = "{value}"\n', "bg.toml")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    msg = str(info.value)
    assert msg.startswith(f"{bad}, line 2: composite.background: "), msg
    assert "\n" not in msg and "pw" not in msg, msg
    with pytest.raises(ConfigError, match=r"^override: composite\.background: "):
        load_config(None, [f"composite.background={value}"])


@pytest.mark.parametrize("value", ["blur", "transparent", "none", "BLUR", "color:#00ff00", "color:#0f0",
                                   "colour:green", "image:missing.png", "video:/nowhere/v.mp4"])
def test_good_backgrounds_load_and_pictures_are_looked_for_later(tmp_path, value):
    assert load_config(None, [f"composite.background={value}"]).composite.background == value


def test_a_bad_background_in_a_file_is_one_line_exit_2(tmp_path):
    from conftest import run_cli

    bad = _write(tmp_path, '[composite]\nbackground = "nonsense"\n', "bg.toml")
    r = run_cli("bench", "-c", str(bad), "--frames", "1")   # (a command that makes no background)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert f"{bad}, line 2: composite.background: 'nonsense'" in lines[0], r.stderr


def test_a_key_above_every_section_says_where_it_goes(tmp_path):
    """README: "a misspelt key or one in the wrong section is answered with the key meant".
    A key written before any [section] header (`threshold = 0.5` at the top of a file) was
    called "unknown section [threshold]", with no hint."""
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, "threshold = 0.5\n[segment]\nwork_size = 256\n"))
    assert str(info.value) == (f"{tmp_path / 'my.toml'}, line 1: threshold is outside any section; did you mean "
                               "segment.threshold (under [segment])?")
    with pytest.raises(ConfigError, match=r"my\.toml, line 1: treshold is outside any section; did you mean "
                                          r"segment\.threshold \(under \[segment\]\)\?"):
        load_config(_write(tmp_path, "treshold = 0.5\n"))
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, "sparkle = 1\n"))
    assert "sparkle is outside any section" in str(info.value)
    assert "preset" in str(info.value) and "[segment], [composite], [smooth], [video]" in str(info.value)
    with pytest.raises(ConfigError, match=r"segment = 3: segment is a section; write \[segment\]"):  # (a section's name)
        load_config(_write(tmp_path, "segment = 3\n"))


def test_methods_says_where_the_presets_and_the_list_of_keys_are():
    """--set's help sends the user to config/default.toml for the keys, and -c's to `livecut
    methods` for the presets; installed (a wheel: livecut/_presets) there is no config/ to
    look in, and `livecut methods` named the presets only."""
    from typer.testing import CliRunner

    from livecut.cli import app

    r = CliRunner().invoke(app, ["methods"])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("presets:"))
    assert "presets: default, fast, quality" in line
    assert f"in {presets_dir()}" in line and "default.toml lists every key" in line


def test_a_path_without_its_suffix_is_a_file_not_a_preset(tmp_path, monkeypatch):
    """-c ./fast was the shipped preset whatever the folder held, -c /x/site read /x/site.toml
    and -c ../pyproject the checkout's pyproject.toml: a name with a folder in it was looked for
    as config/NAME.toml.  A path is a file's; a folder given as a config file says so."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"fast: config file not found \(the shipped preset is load_config\('fast'\)\)$"):
        load_config("./fast")
    site = _write(tmp_path, "[segment]\nwork_size = 200\n", "site.toml")
    with pytest.raises(ConfigError, match=rf"site: config file not found \(did you mean {site}\?\)$"):
        load_config(str(tmp_path / "site"))
    with pytest.raises(ConfigError, match=r"config file not found$"):
        load_config("../pyproject")
    (tmp_path / "old.toml").mkdir()
    with pytest.raises(ConfigError, match=r"old\.toml: is a folder; give a preset \(default, fast, quality\)"):
        load_config("old.toml")
    assert load_config(str(site)).segment.work_size == 200 and load_config("fast").segment.work_size == 192


def test_a_whole_float_out_of_an_integer_keys_range_is_shown_as_written(tmp_path):
    """--set segment.work_size=1e300 (a float with no fraction, taken as an integer) was said as
    the integer it makes, all 301 digits of it, the message's point after them: it is shown as
    written, 1e300, in --set as in a file."""
    with pytest.raises(ConfigError, match=r"^override: segment\.work_size: 1e300 is above the maximum 2048$"):
        load_config(None, ["segment.work_size=1e300"])
    with pytest.raises(ConfigError, match=r"^override: video\.stream_bitrate: -1e200 is below the minimum 100$"):
        load_config(None, ["video.stream_bitrate=-1e200"])
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: segment\.work_size: 1e300 is above the maximum 2048$"):
        load_config(_write(tmp_path, "[segment]\nwork_size = 1e300\n"))
    assert load_config(None, ["segment.work_size=1e3"]).segment.work_size == 1000


def test_an_integer_out_of_a_number_keys_range_is_shown_as_written(tmp_path):
    """--set video.crf=-1 said "-1.0 is below the minimum 0", a number the user did not write
    (and segment.threshold = 2 in a file "2.0"): an integer given to a number key is said as
    written; a fraction still as written."""
    with pytest.raises(ConfigError, match=r"^override: video\.crf: -1 is below the minimum 0$"):
        load_config(None, ["video.crf=-1"])
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: segment\.threshold: 2 is above the maximum 0\.95$"):
        load_config(_write(tmp_path, "[segment]\nthreshold = 2\n"))
    with pytest.raises(ConfigError, match=r"^override: video\.crf: 63\.5 is above the maximum 63$"):
        load_config(None, ["video.crf=63.5"])
    assert load_config(None, ["video.crf=18"]).video.crf == 18.0


@pytest.mark.parametrize("key,written,limit", [
    ("video.crf", "1e3", "above the maximum 63"), ("segment.threshold", "1e3", "above the maximum 0.95"),
    ("segment.work_size", "2.5e3", "above the maximum 2048"), ("segment.work_size", "1_000_000", "above the maximum 2048"),
    ("video.stream_bitrate", "0x40", "below the minimum 100"), ("smooth.rate", "+2E0", "above the maximum 1.0"),
])
def test_a_number_out_of_range_is_shown_as_written_in_set_and_in_a_file(tmp_path, key, written, limit):
    """--set video.crf=1e3 (or crf = 1e3 in a -c file, any number key) was said "1000.0 is above
    the maximum 63", a number the user did not write (TOML reads 1e3 as the float 1000.0): it
    is said as written, 1e3 (and 1_000_000, 0x40 so), from --set, from the CLI and in a file."""
    from conftest import run_cli

    escaped = re.escape(written)
    with pytest.raises(ConfigError, match=rf"^override: {re.escape(key)}: {escaped} is {limit}$"):
        load_config(None, [f"{key}={written}"])
    with pytest.raises(ConfigError, match=rf"^override: {re.escape(key)}: {escaped} is {limit}$"):
        load_config(None, [f"{key} = {written}  # a comment"])
    section, name = key.split(".")
    with pytest.raises(ConfigError, match=rf"my\.toml, line 3: {re.escape(key)}: {escaped} is {limit}$"):
        load_config(_write(tmp_path, f"[{section}]\n# {name} = 5\n{name} = {written}  # mine\n"))
    with pytest.raises(ConfigError, match=rf"my\.toml, line 1: {re.escape(key)}: {escaped} is {limit}$"):
        load_config(_write(tmp_path, f"{key} = {written}\n"))
    if key == "video.crf":
        r = run_cli("bench", "--set", f"{key}={written}", "--frames", "1")
        assert r.returncode == 2 and f"--set: {key}: {written} is {limit}" in r.stderr, r.stderr


def test_a_number_of_the_wrong_type_or_not_finite_is_shown_as_written():
    """The other messages about a number say it as written too: 1e0 given to a boolean key was
    "got 1.0", 1e999 (TOML's inf) "got inf"."""
    with pytest.raises(ConfigError, match=r"smooth\.enabled: expected true or false, got 1e0$"):
        load_config(None, ["smooth.enabled=1e0"])
    with pytest.raises(ConfigError, match=r"segment\.work_size: expected an integer, got 1\.5e-1$"):
        load_config(None, ["segment.work_size=1.5e-1"])
    with pytest.raises(ConfigError, match=r"segment\.threshold: expected a finite number, got 1e999$"):
        load_config(None, ["segment.threshold=1e999"])
    assert load_config(None, ["video.crf=1.8e1"]).video.crf == 18.0
    assert type(load_config(None, ["video.crf=1.8e1"]).video.crf) is float
    assert type(load_config(None, ["segment.work_size=1_000"]).segment.work_size) is int


def test_an_integer_key_takes_a_whole_number_quoted_as_unquoted(tmp_path):
    """segment.work_size = "320.0" (quoted) was refused, "expected an integer", while 320.0
    and "320" were taken: a quoted whole number is taken as the unquoted one is; a fraction,
    inf or nan still refused."""
    assert load_config(_write(tmp_path, '[segment]\nwork_size = "320.0"\n')).segment.work_size == 320
    assert load_config(None, ['segment.work_size="1e3"']).segment.work_size == 1000
    with pytest.raises(ConfigError, match=r"^override: segment\.work_size: 1e300 is above the maximum 2048$"):
        load_config(None, ['segment.work_size="1e300"'])
    for bad in ("320.5", "inf", "nan", "x"):
        with pytest.raises(ConfigError, match=rf"segment\.work_size: expected an integer, got '{bad}'"):
            load_config(None, [f'segment.work_size="{bad}"'])


def test_segment_ahead_takes_on_and_off_in_any_case_as_true_and_false(tmp_path):
    """video.segment_ahead = "On" was refused ("not one of auto, on, off") while "TRUE" was
    taken: on and off are taken in any case, as true and false are (and as a boolean key takes
    them), and a refusal lists the words taken besides auto, on, off."""
    assert load_config(_write(tmp_path, '[video]\nsegment_ahead = "On"\n')).video.segment_ahead == "on"
    assert load_config(None, ["video.segment_ahead=OFF"]).video.segment_ahead == "off"
    assert load_config(None, ["video.segment_ahead=TRUE"]).video.segment_ahead == "on"
    with pytest.raises(ConfigError, match=r"video\.segment_ahead: 'maybe' is not one of auto, on \(true, yes, 1\), "
                                          r"off \(false, no, 0\)$"):
        load_config(None, ["video.segment_ahead=maybe"])


def test_an_integer_too_long_to_read_is_a_config_error_exit_2(tmp_path):
    """An integer of over 4300 digits (Python's limit for reading or writing one) in --set or a
    file was "internal error: ValueError: Exceeds the limit (4300 digits) ...", exit 1; from the
    library (SegmentConfig(work_size=10**5000)) the same ValueError, raised while writing the
    message; and one of 400 digits was written out whole in the message."""
    from conftest import run_cli

    long = "9" * 5000
    for key in ("segment.work_size", "segment.threshold"):
        with pytest.raises(ConfigError, match=f"override: {key}: got an integer of 5000 digits, too long to read$"):
            load_config(None, [f"{key}={long}"])
    big = _write(tmp_path, f"[segment]\nwork_size = {long}\n")
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: invalid TOML: an integer of over 4300 digits, too "
                                          r"long to read$"):
        load_config(big)
    with pytest.raises(ConfigError, match=r"^segment\.work_size: an integer of 5001 digits is above the maximum"):
        SegmentConfig(work_size=10 ** 5000)
    with pytest.raises(ConfigError, match=r"^segment\.threshold: expected a finite number, got an integer of "
                                          r"5001 digits$"):
        SegmentConfig(threshold=10 ** 5000)
    with pytest.raises(ConfigError, match=r"^override: segment\.work_size: an integer of 400 digits is above"):
        load_config(None, ["segment.work_size=1" + "0" * 399])
    for args in (["--set", f"segment.work_size={long}"], ["-c", str(big)]):
        r = run_cli("bench", *args, "--frames", "1")
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1 and "too long to read" in lines[0], r.stderr


def test_a_file_named_like_a_preset_does_not_hide_it(tmp_path, monkeypatch):
    """-c fast where the current folder holds a file named fast (not a preset: an output, a
    note) read that file, "fast: invalid TOML: Expected '=' ...", and so did a file's
    preset = "fast" wherever the file was, though a base file is read beside the file that
    names it.  The name is the shipped preset, as with a folder of its name; ./fast is the file."""
    here = tmp_path / "here"
    here.mkdir()
    (here / "fast").write_text("not a config\n")
    (here / "quality").write_text('[segment]\nmodel = "small"\n')
    elsewhere = _write(tmp_path, 'preset = "fast"\n[segment]\nthreshold = 0.5\n', "mine.toml")
    monkeypatch.chdir(here)
    assert load_config("fast") == load_config(presets_dir() / "fast.toml")
    assert load_config("quality").segment.model == "ensemble"
    cfg = load_config(elsewhere)
    assert cfg.segment.work_size == 192 and cfg.segment.threshold == 0.5
    assert load_config("./quality").segment.model == "small"
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config("./fast")


def test_a_config_name_too_long_for_a_file_is_exit_2(tmp_path):
    """-c NAME with a name longer than a file's may be (a variable pasted by mistake) was
    "internal error: OSError: [Errno 36] File name too long", exit 1: looking for the preset of
    that name raised (a file's preset = "NAME.toml" too, looking for it beside the file).  It is
    read as a file, "cannot read config: File name too long", exit 2."""
    from conftest import run_cli

    long = "x" * 5000
    for name in (long, long + ".toml"):
        with pytest.raises(ConfigError, match="cannot read config: File name too long$"):
            load_config(name)
    with pytest.raises(ConfigError, match="unknown preset"):  # (a bare name is a shipped preset's)
        load_config(_write(tmp_path, f'preset = "{long}"\n'))
    with pytest.raises(ConfigError, match="cannot read config: File name too long$"):
        load_config(_write(tmp_path, f'preset = "{long}.toml"\n'))
    r = run_cli("bench", "-c", long, "--frames", "1")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "File name too long" in lines[0], r.stderr


def test_an_error_naming_a_newline_stays_one_line(tmp_path):
    """README: errors are one line on stderr.  A --set key or a -c file name holding a newline
    (or another control character) was written as it is, so the error broke across lines:
    "--set: unknown key segment.a" then "b (known: ...)".  It is written escaped, \\n."""
    from conftest import run_cli

    for args, said in ((["--set", "segment.a\nb=1"], "unknown key segment.a\\nb"),
                       (["-c", str(tmp_path / "my\nfile\r\x1b[31m.toml")], "my\\nfile\\r\\x1b[31m.toml: config file not found")):
        r = run_cli("bench", *args, "--frames", "1")
        assert r.returncode == 2, r.stderr
        assert r.stderr.count("\n") == 1 and "\r" not in r.stderr and "\x1b" not in r.stderr, repr(r.stderr)
        assert said in r.stderr, r.stderr


def test_a_base_named_alone_is_a_shipped_preset_never_a_file_here(tmp_path, monkeypatch):
    """README: relative paths in a file (a base file) are read beside that file.  A file's
    preset = "site" (no such shipped preset) read a file named site in the current folder,
    whichever that was: from one folder the file loaded, from another it was "unknown preset".
    A bare name is a shipped preset's only; a file beside is named as a path, "site.toml"."""
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    mine = _write(tmp_path / "d1", 'preset = "site"\n')
    (tmp_path / "d2" / "site").write_text("[segment]\nwork_size = 200\n")
    for here in ("d1", "d2"):
        monkeypatch.chdir(tmp_path / here)
        with pytest.raises(ConfigError, match=r"my\.toml, line 1: preset = 'site': unknown preset"):
            load_config(mine)
    _write(tmp_path / "d1", "[segment]\nwork_size = 224\n", "site.toml")
    _write(tmp_path / "d1", 'preset = "site.toml"\n', "other.toml")
    assert load_config(tmp_path / "d1" / "other.toml").segment.work_size == 224


@pytest.mark.parametrize("override,said", [
    ("segment.refine={}", "segment.refine: 'xxx"),
    ("segment.fill_holes={}", "segment.fill_holes: expected true or false, got 'xxx"),
    ("segment.work_size={}", "segment.work_size: expected an integer, got 'xxx"),
    ("segment.{}=1", "unknown key segment.xxx"),
    ("{}.a=1", "unknown section [xxx"),
    ("composite.background={}", "composite.background: 'xxx"),
])
def test_a_long_value_or_key_is_cut_in_the_message(override, said):
    """A value or key of 5000 characters (a pasted blob) was written out whole, so the
    message's point ("is not one of auto, guided, color, none") came 5000 characters after its
    start.  The first 60 are shown and the length said."""
    with pytest.raises(ConfigError) as info:
        load_config(None, [override.format("x" * 5000)])
    text = str(info.value)
    assert said in text and "(5000 characters)" in text and len(text) < 400, text[:300]


@pytest.mark.parametrize("override,said", [
    ("{}=1", "the key must be section.key"),
    ("{}", "expected section.key=value"),
    ("segment.{}", "no value"),
    ("segment.threshold {}", "expected section.key=value: segment.threshold=xxx"),
    ("preset={}", "a preset is chosen with load_config('PRESET')"),
])
def test_a_long_override_that_is_no_key_and_value_is_cut_in_the_message(override, said):
    """An override that is no section.key=value (a variable holding a pasted blob, --set "$X")
    was written out whole in its message, 5000 characters before its point."""
    with pytest.raises(ConfigError) as info:
        load_config(None, [override.format("x" * 5000)])
    text = str(info.value)
    assert said in text and "characters)" in text and len(text) < 400, text[:300]


def test_a_large_file_given_as_config_is_not_read_whole(tmp_path):
    """-c a video or a disk image (given by mistake) was read whole before being refused as
    "invalid TOML": 690 MB of memory for a 300 MB file, /dev/zero until memory ran out.  Past
    16 MB it is refused unread, as no config file."""
    big = tmp_path / "clip.mp4"
    with open(big, "wb") as fh:
        fh.truncate(20 << 20)  # (sparse: no disk used)
    with pytest.raises(ConfigError, match=r"clip\.mp4: over 16 MB: not a config file"):
        load_config(big)
    if os.path.exists("/dev/zero"):
        with pytest.raises(ConfigError, match=r"over 16 MB: not a config file"):
            load_config("/dev/zero")


@pytest.mark.parametrize("source, overrides, library, cli", [
    (None, ["segment.threshold=2"], "override: segment.threshold: 2 is above the maximum 0.95",
     "--set: segment.threshold: 2 is above the maximum 0.95"),
    (None, ["segment.nope=1"], "override: unknown key segment.nope", "--set: unknown key segment.nope"),
    (None, ["segment"], "override 'segment': [segment] is a section; give one of its keys",
     "--set 'segment': [segment] is a section; give one of its keys"),
    (None, ["threshold=1"], "override 'threshold=1': the key must be section.key, e.g. segment.threshold",
     "--set 'threshold=1': the key must be section.key, e.g. segment.threshold"),
    (None, ["segment.work_size=" + "9" * 5000], "override: segment.work_size: got an integer of 5000 digits",
     "--set: segment.work_size: got an integer of 5000 digits"),
    (None, ["preset=quality"], "override 'preset=quality': a preset is chosen with load_config('quality') "
     "(presets: default, fast, quality); video.preset is x264's speed", "--set 'preset=quality': a preset is "
     "chosen with -c quality (--config; presets: default, fast, quality); video.preset is x264's speed"),
    ("", [], "load_config: source is empty: give a preset (default, fast, quality) or a .toml path",
     "--config is empty: give a preset (default, fast, quality) or a .toml path"),
    ("https://example.com/my.toml", [], "https://example.com/my.toml: is a URL; load_config takes a preset name",
     "https://example.com/my.toml: is a URL; --config takes a preset name"),
    ("fast.toml", [], "fast.toml: config file not found (the shipped preset is load_config('fast'))",
     "fast.toml: config file not found (the shipped preset is -c fast)"),
])
def test_a_library_error_says_the_library_s_words_the_cli_its_options(tmp_path, monkeypatch, source, overrides,
                                                                      library, cli):
    """load_config called from Python said the command line's options: "--set: segment.threshold:
    ...", "--config is empty", "(the shipped preset is -c fast)", where the caller gave
    overrides=[...] or a source.  The library names the override (and the key) and
    load_config; the command line still says --set and -c (--config)."""
    from typer.testing import CliRunner

    from livecut.cli import app

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(source, overrides)
    said = str(info.value)
    assert said.startswith(library), said
    assert "--set" not in said and "--config" not in said and "-c " not in said, said
    args = ["bench", "--frames", "1"] + (["-c", source] if source is not None else [])
    for text in overrides:
        args += ["--set", text]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, (r.output, r.exception)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"livecut: error: {cli}"), r.stderr


def test_a_base_named_as_a_path_beside_a_file_of_the_current_folder_is_that_file(tmp_path, monkeypatch):
    """A file's preset = "./fast" names the file fast beside it (as -c ./fast does), but from a
    file of the current folder pathlib made it "fast", the shipped preset's name: the shipped
    preset was loaded and the user's file ignored, without a word -- and from any other folder
    the same file read its own base."""
    _write(tmp_path, "[segment]\nthreshold = 0.7\n", "fast")
    mine = _write(tmp_path, 'preset = "./fast"\n')
    monkeypatch.chdir(tmp_path)
    for given in (mine, Path(mine.name)):
        cfg = load_config(given)
        assert cfg.segment.threshold == 0.7, given
        assert cfg.segment.work_size == Config().segment.work_size, given  # (not the shipped fast)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_relative_paths_in_a_config_from_a_pipe_are_read_from_the_current_folder(tmp_path, monkeypatch):
    """`-c <(...)` or `-c /dev/stdin` (read, as a pipe: see above): a pipe has no folder of its
    own, but its relative paths were read beside it, in /dev/fd or /dev: 'file not found:
    /dev/fd/bg.png', "/dev/fd/63: preset = 'base.toml': no file /dev/fd/base.toml".  They are
    read from the current folder, as --set's are."""
    import threading

    _write(tmp_path, "[segment]\nwork_size = 200\n", "base.toml")
    monkeypatch.chdir(tmp_path)
    for text, check in ((b'preset = "base.toml"\n', lambda c: c.segment.work_size == 200),
                        (b'[composite]\nbackground = "image:bg.png"\n',
                         lambda c: c.composite.background == "image:bg.png")):
        r, w = os.pipe()
        t = threading.Thread(target=lambda: (os.write(w, text), os.close(w)))
        t.start()
        try:
            cfg = load_config(f"/dev/fd/{r}")
        finally:
            t.join()
            os.close(r)
        assert check(cfg), describe(cfg)


NO_SUCH_USER = "livecut-no-such-user"


@pytest.mark.parametrize("args", [
    ["-c", f"~{NO_SUCH_USER}/my.toml"],
    ["-c", "FILE:preset"],
    ["-c", "FILE:background"],
    ["-b", f"image:~{NO_SUCH_USER}/bg.png"],
    ["--set", f"composite.background=image:~{NO_SUCH_USER}/bg.png"],
])
def test_a_path_of_a_user_this_machine_lacks_is_a_name_not_an_internal_error(tmp_path, monkeypatch, args):
    """~USER/... of a user this machine has not (a config copied from another machine, a typo) was
    'internal error: RuntimeError: Could not determine home directory', exit 1 (pathlib's
    expanduser); it is left as written, as the shell leaves it, and said not found, exit 2."""
    import pwd

    from typer.testing import CliRunner

    from livecut.cli import app

    try:
        pwd.getpwnam(NO_SUCH_USER)
        pytest.skip(f"this machine has a user {NO_SUCH_USER}")
    except KeyError:
        pass
    monkeypatch.chdir(tmp_path)
    if args[1] == "FILE:preset":
        args = ["-c", str(_write(tmp_path, f'preset = "~{NO_SUCH_USER}/base.toml"\n'))]
    elif args[1] == "FILE:background":
        args = ["-c", str(_write(tmp_path, f'[composite]\nbackground = "image:~{NO_SUCH_USER}/bg.png"\n'))]
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    r = CliRunner().invoke(app, ["image", "a.png", "-o", "out/", *args])
    assert r.exit_code == 2, (r.output, r.exception)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and f"~{NO_SUCH_USER}/" in lines[0] and "internal" not in lines[0], r.stderr


@pytest.mark.parametrize("source", ["my\0.toml", Path("conf\0/my.toml")])
def test_a_file_name_with_a_nul_in_it_is_a_config_error(source):
    """load_config("my\\0.toml") (a name from a form, a byte string decoded) raised a bare
    UnboundLocalError ('cannot access local variable data'): open's ValueError was taken for an
    integer too long to read.  It is a ConfigError naming it."""
    with pytest.raises(ConfigError, match=r"not a file name \(a NUL character in it\)"):
        load_config(source)


def test_a_misspelt_preset_is_answered_with_the_one_meant(tmp_path):
    """`-c quailty` (or `-c FAST`, or a file's preset = "qualty") said only "unknown preset
    'quailty' (known: ...)", where a misspelt key is answered "did you mean ...?"."""
    for name, meant in (("quailty", "quality"), ("FAST", "fast"), ("defualt", "default")):
        with pytest.raises(ConfigError, match=rf"unknown preset '{name}'; did you mean {meant}\? \(known"):
            load_config(name)
    base = tmp_path / "my.toml"
    base.write_text('preset = "qualty"\n')
    with pytest.raises(ConfigError, match=r"preset = 'qualty': unknown preset; did you mean quality\?"):
        load_config(base)
    with pytest.raises(ConfigError) as exc:
        load_config("turbo")
    assert "did you mean" not in str(exc.value)


def test_an_override_written_with_a_colon_or_a_space_shows_it_with_its_equals_sign():
    """--set segment.threshold:0.5 (or "segment.threshold 0.5") was answered "expected
    section.key=value: segment.threshold:0.5=VALUE", its value taken into its key."""
    for text in ("segment.threshold:0.5", "segment.threshold 0.5", "segment.threshold: 0.5"):
        with pytest.raises(ConfigError) as exc:
            load_config(None, [text])
        assert str(exc.value).endswith("expected section.key=value: segment.threshold=0.5"), str(exc.value)
    with pytest.raises(ConfigError, match=r"no value; expected section.key=value: segment.threshold=VALUE$"):
        load_config(None, ["segment.threshold"])


@pytest.mark.parametrize("source,overrides", [
    ("caf\udce9", []),                              # -c $'caf\xe9': no preset, no file
    (None, ["segment.method=caf\udce9"]),           # --set $'segment.method=caf\xe9'
    (None, ["segment.work_size=caf\udce9"]),
    (None, ["caf\udce9"]),                          # no section.key=value
    (None, ["segment.refine=" + "x" * 20 + "\udce9" + "x" * 50]),  # (cut: its first 60 characters)
])
def test_a_byte_of_an_argument_that_is_not_utf8_is_said_as_that_byte(source, overrides):
    """An argument's byte that is not UTF-8 (a Latin-1 é, held as a lone surrogate) was said
    'caf\\udce9' in an unknown preset's or a --set value's message, where livecut's other
    messages (a file's name, a background's) say it 'caf\\xe9'.  (The byte is kept, as a lone
    surrogate, which the command line writes \\xe9; repr wrote its escape, \\udce9.)"""
    with pytest.raises(ConfigError) as info:
        load_config(source, overrides)
    said = str(info.value)
    assert "\udce9" in said and "\\udce9" not in said, said


def test_a_file_named_without_its_toml_ending_is_said_as_the_one_meant(tmp_path, monkeypatch):
    """-c site with site.toml in the current folder was "unknown preset 'site' (known: ...; or
    give a .toml path)", without the file it meant (-c ./site said "did you mean site.toml?")."""
    _write(tmp_path, "[segment]\nwork_size = 224\n", "site.toml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"unknown preset 'site'; did you mean site\.toml\? \(known: "):
        load_config("site")
    with pytest.raises(ConfigError, match=r"unknown preset 'fastt'; did you mean fast\? "):  # (as before)
        load_config("fastt")
    assert load_config("site.toml").segment.work_size == 224


def test_a_configuration_from_standard_input_is_said_as_dev_stdin(tmp_path):
    """`... | livecut image x.jpg -c -` (as -o - is standard output) said "unknown preset '-'"
    and nothing more; it says that standard input is -c /dev/stdin, which reads it."""
    with pytest.raises(ConfigError, match=r"unknown preset '-'; a configuration from standard input is "
                                          r"-c /dev/stdin \(known: "):
        load_config("-")
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "livecut", "bench", "-n", "1", "--size", "64x48", "-c", "/dev/stdin"],
                       input="[segment]\nwork_size = 224\n", capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_a_keyword_key_takes_its_words_in_any_case(tmp_path):
    """segment.model=Auto, mode = "Composite" in a file were refused ("'Auto' is not one of auto,
    standard, ...") while a background's words (-b Transparent, Blur) were taken in any case: a
    key's keywords are taken in any case, as the word they name; another word still refused."""
    assert load_config(None, ["segment.model=Auto"]).segment.model == "auto"
    cfg = load_config(_write(tmp_path, '[composite]\nmode = "Composite"\n[segment]\nrefine = "GUIDED"\n'))
    assert (cfg.composite.mode, cfg.segment.refine) == ("composite", "guided")
    assert load_config(None, ["video.rtsp_transport=UDP"]).video.rtsp_transport == "udp"
    assert SegmentConfig(method="Canny").method == "canny"
    with pytest.raises(ConfigError, match=r"segment\.model: 'Autos' is not one of auto, standard, small, ensemble; "
                       r"did you mean auto\?$"):
        load_config(None, ["segment.model=Autos"])


@pytest.mark.parametrize("line, said", [
    ('[segment]\nmethod = focus\n', 'Invalid value (column 10): method = focus: TOML writes a word in '
                                      'quotes, method = "focus"'),
    ('[composite]\nbackground = #00ff00  # green\n', 'Invalid value (column 14): background = #00ff00: '
                                                     'TOML reads # as a comment; a word is written in quotes, '
                                                     'background = "#00ff00"'),
    ('[composite]\nenabled = True\n', 'Invalid value (column 11): enabled = True: TOML writes a '
                                      'boolean as true or false, lower case: enabled = true'),
    ('[segment]\nthreshold = 0,5\n', 'Expected newline or end of document after a statement (column 14): '
                                      'threshold = 0,5: a number is written with a point, threshold = 0.5')])
def test_a_word_toml_refused_unquoted_is_answered_with_its_quotes(tmp_path, line, said):
    """`method = focus` in a -c file (as --set segment.method=focus takes it) said "invalid TOML:
    Invalid value (at line 2, column 10)" alone, and `background = #00ff00` the same (TOML's #
    begins a comment): the line as TOML takes it is said; another error is as it was."""
    path = _write(tmp_path, line)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}, line 2: invalid TOML: {said}", str(info.value)


def test_a_misspelt_keyword_is_answered_with_the_one_meant(tmp_path):
    """`livecut file in.mp4 -o out.mp4 --set segment.method=focsu` said "'focsu' is not one of
    focusnet, focus, canny" and suggested nothing, where a misspelt key gets 'did you mean': the
    word meant is said too; a word like none of them is not guessed at."""
    from conftest import run_cli

    r = run_cli("file", str(tmp_path / "in.mp4"), "-o", str(tmp_path / "out.mp4"), "--set", "segment.method=focsu")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.strip() == ("livecut: error: --set: segment.method: 'focsu' is not one of focusnet, focus, "
                                "canny; did you mean focus?"), r.stderr
    with pytest.raises(ConfigError, match=r"video\.segment_ahead: 'atuo' is not one of auto, on \(true, yes, 1\), "
                       r"off \(false, no, 0\); did you mean auto\?$"):
        load_config(None, ["video.segment_ahead=atuo"])
    with pytest.raises(ConfigError, match=r"segment\.method: 'zzz' is not one of focusnet, focus, canny$"):
        load_config(None, ["segment.method=zzz"])
    assert not (tmp_path / "out.mp4").exists()


def test_an_x264_preset_is_taken_in_any_case():
    """video.preset=VeryFast was refused, 'not an x264/x265 preset (one of ultrafast, superfast,
    veryfast, ...)': x264's names, all lower case, are taken in any case, as video.codec's are;
    another name still refused."""
    from livecut.errors import UsageError
    from livecut.sinks.file import check_encoder

    cfg = load_config(None, ["video.preset=VeryFast"])
    assert cfg.video.preset == "veryfast"
    check_encoder(cfg.video.codec, cfg.video.preset, "yuv420p")
    with pytest.raises(UsageError, match="video.preset 'veryfastest': not an x264/x265 preset"):
        check_encoder("libx264", load_config(None, ["video.preset=VeryFastest"]).video.preset, "yuv420p")


@pytest.mark.parametrize("text, said", [
    ("[segment]\nthreshold = 0.5\nwork_size = 256\nthreshold = 0.6\n",
     r"4: invalid TOML: segment\.threshold is given twice \(first at line 2\); give each key once$"),
    ('[segment]\r\nthreshold = 0.5\r\n"threshold" = 0.6\r\n',  # (quoted, CRLF: the same key)
     r"3: invalid TOML: segment\.threshold is given twice \(first at line 2\)"),
    ('preset = "fast"\npreset = "quality"\n', r"2: invalid TOML: preset is given twice \(first at line 1\)"),
    ("[segment]\nthreshold = 0.5\n[composite]\nmode = \"mask\"\n[segment]\nwork_size = 256\n",
     r"5: invalid TOML: \[segment\] is declared twice \(first at line 1\); give each section once, its keys under "
     r"it$"),
])
def test_a_key_or_section_given_twice_in_a_file_is_named(tmp_path, text, said):
    """A key given twice in a file was "invalid TOML: Cannot overwrite a value (at line 4, column
    16)", the key not named; a section declared twice "Cannot declare ('segment',) twice", a Python
    tuple.  Each is named as the file writes it, with both its lines (the second as the file's line,
    'my.toml, line 4:', as every error of a file's says its line)."""
    p = tmp_path / "my.toml"
    p.write_bytes(text.encode())
    with pytest.raises(ConfigError, match=r"my\.toml, line " + said) as exc:
        load_config(p)
    assert "(" + "'" not in str(exc.value)


def test_a_key_given_twice_is_one_line_exit_2_on_the_command_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from livecut.cli import app

    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "[segment]\nthreshold = 0.5\nthreshold = 0.6\n")
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    r = CliRunner().invoke(app, ["image", "a.png", "-o", "out/", "-c", "my.toml"])
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == ["livecut: error: my.toml, line 3: invalid TOML: segment.threshold is given "
                                     "twice (first at line 2); give each key once"], r.stderr


@pytest.mark.parametrize("line, said", [
    ("[segment]\nmethod = focus  # the old engine\n",
     'method = focus: TOML writes a word in quotes, method = "focus"'),
    ("[composite]\nbackground = color:#00b140\n",
     'background = color:#00b140: TOML writes a word in quotes, background = "color:#00b140"'),
    ("[segment]\r\nsoft = True\r\n", "soft = True: TOML writes a boolean as true or false, lower case: soft = true"),
    ("[segment]\nfill_holes = no\n", "fill_holes = no: TOML writes a boolean as true or false, lower case: "
                                    "fill_holes = false"),
    ("[segment]\nwork_size = auto\n", "work_size = auto: segment.work_size is a number, written as digits"),
    ("[segment]\nthreshold = .5\n", "threshold = .5: TOML writes a fraction with its 0, threshold = 0.5"),
])
def test_a_value_written_as_ini_or_yaml_write_it_is_said_as_toml_writes_it(tmp_path, line, said):
    """A word unquoted (method = focus, background = color:#00b140), a boolean as Python writes it
    (soft = True) or a fraction without its 0 (.5) was "invalid TOML: Invalid value (at line 2,
    column 10)" and no more, though --set takes each; the message says how TOML writes it."""
    p = tmp_path / "my.toml"
    p.write_bytes(line.encode())
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: invalid TOML: Invalid value \(column \d+\): ") as exc:
        load_config(p)
    assert str(exc.value).endswith(said), str(exc.value)


@pytest.mark.parametrize("text, said", [
    ("[[segment]]\nthreshold = 0.5\n", r"\[\[segment\]\] is a list of tables; write \[segment\] \(single brackets\), "
                                       r"its keys under it$"),
    ("segment = 5\n", r"segment = 5: segment is a section; write \[segment\] on a line of its own, its keys under it$"),
])
def test_a_section_written_as_a_list_or_a_value_is_said_so(tmp_path, text, said):
    """[[segment]] (TOML's list of tables) or segment = 5 in a file was "[segment] must be a table",
    naming the [segment] the user had not written; it says what was written and what to write."""
    with pytest.raises(ConfigError, match=r"my\.toml, line 1: " + said):
        load_config(_write(tmp_path, text))


@pytest.mark.parametrize("value, said", [
    ("{a = 1}", "segment.threshold: expected a number, got '{a = 1}'"),
    ("{}", "segment.threshold: expected a number, got '{}'"),
])
def test_an_override_given_a_table_is_said_as_written_not_in_a_files_words(tmp_path, monkeypatch, value, said):
    """--set 'segment.threshold={a = 1}' (TOML's inline table) was "--set: segment.threshold: expected a
    number, got a table ([segment.threshold]); threshold is a key: threshold = VALUE under [segment]": a
    file's words, a [segment.threshold] nobody wrote.  It is said as written, as '0.5 0.6' is."""
    from typer.testing import CliRunner

    from livecut.cli import app

    monkeypatch.chdir(tmp_path)
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    r = CliRunner().invoke(app, ["image", "a.png", "-o", "out/", "--set", f"segment.threshold={value}"])
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == [f"livecut: error: --set: {said}"], r.stderr


def test_an_array_given_to_a_key_is_said_as_toml_writes_it_and_cut_when_long(tmp_path):
    """An array where one value is wanted was said in Python's words, "got [True, False]",
    "got [datetime.date(1979, 5, 27), nan]", and whole however long (a pasted list of 3000 numbers:
    15000 characters before the message's end); it is said as TOML writes it, a long one cut."""
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: segment\.soft: expected true or false, got \[true, false\]$"):
        load_config(_write(tmp_path, "[segment]\nsoft = [true, false]\n"))
    with pytest.raises(ConfigError, match=r"segment\.threshold: expected a number, got \[1979-05-27, nan\]$"):
        load_config(_write(tmp_path, "[segment]\nthreshold = [1979-05-27, nan]\n"))
    with pytest.raises(ConfigError) as exc:
        load_config(None, [f"segment.threshold=[{', '.join(map(str, range(3000)))}]"])
    assert str(exc.value).endswith("got [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1... "
                                   "(3000 items)") and len(str(exc.value)) < 200, str(exc.value)[:300]


def test_a_file_whose_lines_end_in_cr_alone_is_said_so(tmp_path):
    """A file saved with classic Mac OS's line ends, CR alone, is one line to TOML: it was "invalid
    TOML: Expected newline or end of document after a statement (at line 1, column 10)", in a file
    that looks right in an editor.  It says what its lines end in (CRLF's are taken)."""
    p = tmp_path / "my.toml"
    p.write_bytes(b"[segment]\rthreshold = 0.5\r")
    with pytest.raises(ConfigError, match=r"my\.toml: invalid TOML: .*\(at line 1, column 10\); its lines end in CR "
                                          r"alone \(classic Mac OS\), which TOML does not take: save it with LF or CRLF$"):
        load_config(p)
    p.write_bytes(b"[segment]\r\nthreshold = 0.5\r\n")
    assert load_config(p).segment.threshold == 0.5


def test_a_refused_value_in_a_file_names_its_line(tmp_path, monkeypatch):
    """A value refused in a -c file (wrong type, out of range, unknown key or section) named the
    file and the key, not its line, where a syntax error says its line: in a copy of default.toml
    (200 lines, threshold in more than one comment) the line was to be looked for.  It is said."""
    from typer.testing import CliRunner

    from livecut.cli import app

    text = ("# my settings\n[segment]\n# threshold = 2 would be too high\nwork_size = 256\n\n[composite]\n"
            "mode = \"mask\"\n[smooth]\nenabled = true\n[segment.refine_radius]\n")
    p = tmp_path / "my.toml"
    p.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode())  # (a BOM and CRLF: the same lines)
    with pytest.raises(ConfigError, match=r"my\.toml, line 10: segment\.refine_radius: expected a number, got a table"):
        load_config(p)
    p.write_text(text.replace("enabled = true", "enabled = 'maybe'").replace("[segment.refine_radius]\n", ""))
    with pytest.raises(ConfigError, match=r"my\.toml, line 9: smooth\.enabled: expected true or false, got 'maybe'$"):
        load_config(p)
    p.write_text(text.replace("enabled = true", "rate = 2").replace("[segment.refine_radius]\n", ""))
    with pytest.raises(ConfigError, match=r"my\.toml, line 9: smooth\.rate: 2 is above the maximum"):
        load_config(p)
    base = _write(tmp_path, '[video]\ncodec = "libx264"\n\n"crf" = 99\n', "base.toml")  # (a base's own line)
    _write(tmp_path, 'preset = "base.toml"\n[segment]\nwork_size = 256\n', "top.toml")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(base))}, line 4: video\.crf: 99 is above the maximum 63$"):
        load_config(tmp_path / "top.toml")
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "[segment]\nwork_size = 256\n[composite]\nbackground = 'nonsense'\n", "cli.toml")
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    r = CliRunner().invoke(app, ["image", "a.png", "-o", "out/", "-c", "cli.toml"])
    assert r.exit_code == 2, (r.output, r.exception)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("livecut: error: cli.toml, line 4: composite.background: "), r.stderr



def test_a_toml_syntax_error_names_its_line_as_other_errors_do(tmp_path, monkeypatch):
    """A TOML syntax error in a -c file said its line in a form of its own, 'my.toml: invalid TOML:
    Invalid value (at line 3, column 13)', where a value refused there says 'my.toml, line 3: ...':
    it says 'my.toml, line 3: invalid TOML: Invalid value (column 13)', a byte that is not UTF-8 too."""
    from conftest import run_cli

    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "[segment]\nthreshold = 0.5\nwork_size = = 3\n")
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    r = run_cli("image", "a.png", "-o", "out/", "-c", "my.toml", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines() == ["livecut: error: my.toml, line 3: invalid TOML: Invalid value (column 13)"], \
        r.stderr
    _write(tmp_path, "[segment]\nthreshold = 2\n")
    r = run_cli("image", "a.png", "-o", "out/", "-c", "my.toml", cwd=tmp_path)
    assert r.stderr.splitlines() == ["livecut: error: my.toml, line 2: segment.threshold: 2 is above the maximum "
                                     "0.95"], r.stderr
    (tmp_path / "my.toml").write_bytes(b"[segment]\n# caf\xe9\n")
    with pytest.raises(ConfigError, match=r"^my\.toml, line 2: invalid TOML: not UTF-8 text \(column 6: byte 0xe9\)$"):
        load_config("my.toml")

def test_a_decimal_comma_is_answered_with_the_point(tmp_path):
    """threshold = 0,5 (a decimal comma, as much of Europe writes it) was "invalid TOML: Expected
    newline or end of document after a statement (at line 2, column 14)" in a file, and "expected a
    number, got '0,5'" from --set; each says the number with its point (1,000, which may be a
    thousands separator's, is left unanswered)."""
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: invalid TOML: Expected newline .*\(column 14\): "
                                          r"threshold = 0,5: a number is written with a point, threshold = 0\.5$"):
        load_config(_write(tmp_path, "[segment]\nthreshold = 0,5\n"))
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: segment\.threshold: expected a number, got '0,5' "
                                          r"\(a number is written with a point: 0\.5\)$"):
        load_config(_write(tmp_path, "[segment]\nthreshold = \"0,5\"\n"))
    with pytest.raises(ConfigError, match=r"^override: segment\.gain: expected a number, got '2,5' \(a number is "
                                          r"written with a point: 2\.5\)$"):
        load_config(None, ["segment.gain=2,5"])
    with pytest.raises(ConfigError, match=r"^override: segment\.gain: expected a number, got '1,000'$"):
        load_config(None, ["segment.gain=1,000"])


@pytest.mark.parametrize("text, said", [
    ("[segment]\nthreshold = 0.5\n[segment.threshold]\n",
     r"\[segment\.threshold\]: segment\.threshold is a key, given a value at line 2; a key is not a "
     r"section$"),
    ('[segment]\nrefine = "auto"\nrefine.radius = 1\n',
     r"segment\.refine\.radius: segment\.refine is a key, given a value at line 2; a key holds no keys$"),
])
def test_a_key_given_a_value_and_then_keys_is_said_so(tmp_path, text, said):
    """A key given a value and then opened as a table ([segment.threshold]) or given keys
    (refine.radius = 1 after refine = "auto") was "invalid TOML: Cannot overwrite a value (at line 3,
    column 19)", no key named; it says which key, where it was given its value."""
    with pytest.raises(ConfigError, match=r"my\.toml, line 3: invalid TOML: " + said):
        load_config(_write(tmp_path, text))


@pytest.mark.parametrize("text", [
    "[segment]\nmethod = " + "x" * 5000 + "\n",
    "[segment]\n" + "y" * 5000 + " = 1,5\n",
    "[segment]\n" + "y" * 5000 + " = 1\n" + "y" * 5000 + " = 2\n",
    "[segment]\n" + "y" * 5000 + " = 1\n" + "y" * 5000 + ".z = 2\n",
])
def test_a_toml_error_about_a_pasted_blob_is_short(tmp_path, text):
    """The answers to a TOML error in a key or value's words (a word unquoted, a decimal comma, a key
    given twice) wrote a key or value of 5000 characters out whole, twice: 10000 characters before
    the message's point.  A long one is cut, as README says of a long value or key."""
    with pytest.raises(ConfigError, match=r"my\.toml, line \d: invalid TOML: ") as exc:
        load_config(_write(tmp_path, text))
    assert len(str(exc.value)) < len(str(tmp_path)) + 300, str(exc.value)[:300]


@pytest.mark.parametrize("text", ["[segment]\nmethod = [focus]\n", "[video]\nx = {a = b}\n"])
def test_a_word_unquoted_inside_an_array_or_table_is_not_answered_as_the_keys_value(tmp_path, text):
    """A word unquoted in an array or an inline table was answered as the key's whole value,
    'method = focus]: TOML writes a word in quotes, method = "focus]"', a bracket in the quotes;
    only a key's own value is answered so, the rest left in tomllib's words."""
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: invalid TOML: Invalid value \(column \d+\)$"):
        load_config(_write(tmp_path, text))


def test_numpy_booleans_and_numbers_are_taken_as_pythons_are():
    """A section made from numpy's values (a sweep over np.linspace, a flag that is an array's
    .any()) took np.int64 and np.float32 as Python's numbers but refused np.bool_ for a boolean
    key, "segment.soft: expected true or false, got np.False_", and took it for a number key,
    np.True_ as threshold 1.0, where Python's True is refused."""
    seg = SegmentConfig(soft=np.bool_(False), canny_multi=np.True_, work_size=np.int64(256))
    assert seg.soft is False and seg.canny_multi is True and seg.work_size == 256
    assert type(seg.soft) is bool and type(seg.work_size) is int
    with pytest.raises(ConfigError, match=r"^segment\.threshold: expected a number, got true$"):
        SegmentConfig(threshold=np.True_)
    with pytest.raises(ConfigError, match=r"^segment\.work_size: expected an integer, got false$"):
        SegmentConfig(work_size=np.False_)
    assert dataclasses.replace(Config().smooth, enabled=np.bool_(False)).enabled is False
    assert Config(video=dataclasses.replace(Config().video, segment_ahead=np.True_)).video.segment_ahead == "on"


@pytest.mark.parametrize("line", ['Preset = "fast"', 'presets = "quality"', 'prest = "fast"'])
def test_a_misspelt_base_preset_at_a_files_top_is_answered_with_preset(tmp_path, line):
    """A file's base, misspelt at its top (`Preset = "fast"`: TOML's keys are case sensitive),
    was answered "did you mean video.preset (under [video])?" alone: x264's speed, which takes
    "fast" too, and the base meant was never said."""
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, f"{line}\n[segment]\nwork_size = 256\n"))
    key = line.split()[0]
    assert str(info.value) == (f"{tmp_path / 'my.toml'}, line 1: {key} is outside any section; did you mean "
                               "preset (a file's base preset, at its top: preset = \"fast\"), or video.preset "
                               "(under [video]: x264's speed)?")


def test_an_invisible_character_in_a_key_or_section_is_shown_escaped(tmp_path):
    """A key or section pasted with an invisible character (a zero-width space, a no-break space
    inside it, a soft hyphen) was named as it looks, "unknown section [segment]; did you mean
    segment?", "unknown key segment.threshold; did you mean segment.threshold?": the same word
    twice. It is written escaped, as a value holding one is ('0.5\\u200b')."""
    with pytest.raises(ConfigError, match=r"^override: unknown section \[segment\\u200b\]; did you mean segment\? "):
        load_config(overrides=["segment\u200b.threshold=0.5"])
    with pytest.raises(ConfigError, match=r"^override: unknown key segment\.thres\\xadhold; did you mean "
                                          r"segment\.threshold\? "):
        load_config(overrides=["segment.thres\u00adhold=0.5"])
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: unknown key segment\.work\\xa0size; did you mean "
                                          r"segment\.work_size\? "):
        load_config(_write(tmp_path, '[segment]\n"work\u00a0size" = 256\n'))
    with pytest.raises(ConfigError, match=r"my\.toml, line 1: threshold\\u200b is outside any section; did you "
                                          r"mean segment\.threshold \(under \[segment\]\)\?"):
        load_config(_write(tmp_path, '"threshold\u200b" = 0.5\n'))
    with pytest.raises(ConfigError, match=r"^SegmentConfig: unknown key segment\.threshold\\u200b; did you mean "):
        SegmentConfig(**{"threshold\u200b": 0.5})


def test_a_key_written_with_an_escape_is_said_with_its_line(tmp_path):
    """A key in quotes may hold TOML's escapes ("thresh\\u00f6ld", a pasted "\\u200b"); the
    file's key was found by its text, which is not the key's name, and the error about it named
    the file alone, "my.toml: segment.threshold: 5 is above the maximum 0.95", where every other
    error in a file says its line."""
    with pytest.raises(ConfigError, match=r"my\.toml, line 3: segment\.threshold: 5 is above the maximum 0\.95$"):
        load_config(_write(tmp_path, '[segment]\nwork_size = 256\n"thresh\\u006Fld" = 5\n'))
    with pytest.raises(ConfigError, match=r"my\.toml, line 2: unknown key segment\.threshold\\u200b; "):
        load_config(_write(tmp_path, '[segment]\n"threshold\\u200b" = 0.5\n'))
    with pytest.raises(ConfigError, match=r"my\.toml, line 1: segment\.threshold: 5 is above the maximum 0\.95$"):
        load_config(_write(tmp_path, '"seg\\u006dent".threshold = 5\n'))
    with pytest.raises(ConfigError, match=r"my\.toml, line 3: segment\.threshold: 5 is above the maximum 0\.95$"):
        load_config(_write(tmp_path, '# x\n[ "seg\\u006dent" ]\nthreshold = 5\n'))


@pytest.mark.parametrize("text, line, said", [
    ('[segment]\nmethod = "focus"\nthreshold = 0.5\nmodel = "auto', 4, "Unterminated string"),
    ('[segment]\nmethod = """\nfocus\n\n[smooth]\nrate = 0.5\n', 2, "Unterminated string"),
    ('# mine\n[segment]\nwork_size = 256\n[smooth', 4, "Expected ']' at the end of a table declaration"),
    ('[segment]\nmethod = "focus"\nthreshold = [0.5,\n0.6\n\n# end\n', 3, "Unclosed array"),
])
def test_a_toml_error_at_the_end_of_the_file_says_the_line_left_open(tmp_path, text, line, said):
    """A string, an array or a [section] header left open (a closing quote forgotten on the last
    line, or a \"\"\" that opens a string reaching to the end) was said without a line, "my.toml:
    invalid TOML: Unterminated string (at end of document)", where every other syntax error says
    one: the line it was opened on."""
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert str(info.value) == (f"{tmp_path / 'my.toml'}, line {line}: invalid TOML: {said} (opened there, "
                               "still open at the end of the file)")


def test_a_file_saved_as_utf16_without_its_mark_loads(tmp_path):
    """UTF-16 without a byte-order mark (an editor's "UTF-16 LE" / "UCS-2 LE" without BOM,
    `iconv -t UTF-16LE`) was refused as "a binary file, not a config file (a config is a short
    TOML text file ...)": a text file, said to be none; it is read as the file with its mark is."""
    p = tmp_path / "my.toml"
    for encoding in ("utf-16-le", "utf-16-be"):
        p.write_bytes("[segment]\r\nthreshold = 0.6\r\n".encode(encoding))
        assert load_config(p).segment.threshold == 0.6
        p.write_bytes("# é\n[segment]\nthreshold = 5\n".encode(encoding))
        with pytest.raises(ConfigError, match=r"my\.toml, line 3: segment\.threshold: 5 is above the maximum"):
            load_config(p)
        p.write_bytes("[segment]\nthreshold = 0.6\n".encode(encoding) + b"x")
        with pytest.raises(ConfigError, match=r"my\.toml: invalid TOML: not UTF-16 text, as its first bytes "
                                              r"are \(no byte-order mark\) \(byte 52: truncated data\)$"):
            load_config(p)
    p.write_bytes(b"[segment]\0\x01\x02")  # (a binary file still)
    with pytest.raises(ConfigError, match=r"my\.toml: a binary file, not a config file"):
        load_config(p)
