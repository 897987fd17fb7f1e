"""Reliability suite (issue 8): bad input, faults, signals, full disk, concurrent writers,
truncated sources.  Every case runs the real CLI in a subprocess.

Never lose or corrupt a file, never call a partial result success, never print a secret.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, make_clip, run_cli

SECRET = "s3cret"


def _playable(path: Path) -> int:
    """Decoded video frames of ``path`` (raises if it does not open: e.g. no moov atom)."""
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(c.streams.video[0]))


def _ffprobe_ok(path: Path) -> bool:
    exe = shutil.which("ffprobe")
    if exe is None:
        return _playable(path) > 0
    r = subprocess.run([exe, "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
                       capture_output=True, text=True, timeout=60)
    return r.returncode == 0 and r.stdout.strip().isdigit() and int(r.stdout.strip()) > 0


@pytest.fixture(scope="module")
def rel_clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("rel") / "clip.mp4", n=20, audio=True)


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# ------------------------------------------------------------------ 1. secrets in URLs

URLS = [
    f"rtsp://user:{SECRET}@127.0.0.1:1/x",
    f"rtsps://user:{SECRET}@127.0.0.1:1/x",
    f"http://127.0.0.1:1/x?token={SECRET}",
    f"srt://127.0.0.1:1?passphrase={SECRET}xyzxyzxyz",
]


def _secret_commands(url: str, tmp: Path, clip: Path) -> list[list[str]]:
    o = str(tmp / "o.mp4")
    return [
        ["file", url, "-o", o],
        ["file", "-q", url, "-o", o],
        ["file", str(clip), "-o", url.replace("127.0.0.1:1", "127.0.0.1:1"), "--frames", "1",
         "--set", "video.open_timeout=0.5"],
        ["file", str(clip), url],                       # Typer's own usage error
        ["file", str(clip), "-o", o, "-c", url],
        ["file", str(clip), "-o", o, "-b", f"image:{url}"],
        ["image", url, "-o", str(tmp / "imgs")],
        ["image", str(clip), "-o", url],
        ["eval", url, url],
        ["bench", "--transcode", "--clip", url],
        ["run", url, "-o", o, "-q", "--set", "video.open_timeout=0.5"],
    ]


def _cli_inproc(argv: list[str], capfd, monkeypatch, debug: str) -> tuple[int, str]:
    """Run ``livecut.cli.main(argv)`` in this process (40 subprocesses would take a minute);
    returns (exit code, everything written to file descriptors 1 and 2)."""
    from livecut.cli import main

    monkeypatch.setenv("LIVECUT_DEBUG", debug)
    capfd.readouterr()
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capfd.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("url", URLS, ids=["rtsp", "rtsps", "http-token", "srt-passphrase"])
def test_secret_never_printed(url, tmp_path, rel_clip, capfd, monkeypatch):
    for debug in ("0", "1"):
        for cmd in _secret_commands(url, tmp_path, rel_clip):
            code, text = _cli_inproc(cmd, capfd, monkeypatch, debug)
            assert SECRET not in text, (cmd, debug, text)
            assert code != 0, (cmd, text)
            assert "livecut: error:" in text or "Usage:" in text, (cmd, text)


def test_secret_never_printed_subprocess(tmp_path):
    """The same through the console entry point, traceback included."""
    for url in URLS[:3]:
        r = run_cli("file", url, "-o", str(tmp_path / "o.mp4"), env={"LIVECUT_DEBUG": "1"})
        assert r.returncode == 2 and SECRET not in r.stdout + r.stderr, r.stderr
        assert "Traceback" in r.stderr and "***" in r.stderr


@pytest.mark.parametrize("cmd", [
    ["file", "rtsp://user:{s}@127.0.0.1:1/x", "-o", "{t}/o.mp4"],
    ["file", "http://127.0.0.1:1/x?token={s}", "-o", "{t}/o.mp4"],
])
def test_file_recognises_url_and_points_to_run(cmd, tmp_path):
    r = run_cli(*[c.format(s=SECRET, t=tmp_path) for c in cmd])
    assert r.returncode == 2
    assert "livecut run" in r.stderr and "://" in r.stderr and "***" in r.stderr, r.stderr


# ------------------------------------------------------------------ 5. NaN / inf in the config

def _float_keys() -> list[str]:
    from livecut.config import documented_keys

    return [f"{s}.{k}" for s, k, default, _ in documented_keys()
            if isinstance(default, float) and not isinstance(default, bool)]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
def test_nan_and_inf_refused_for_every_float_key(value, tmp_path):
    from livecut.config import load_config
    from livecut.errors import ConfigError

    keys = _float_keys()
    assert "video.open_timeout" in keys and "segment.threshold" in keys
    for key in keys:
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            load_config(None, [f"{key}={value}"])
        section, name = key.split(".")
        toml = tmp_path / "c.toml"
        toml.write_text(f"[{section}]\n{name} = {value}\n")
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            load_config(toml)
