"""The progress bar (rich): count, rate, ETA and a labelled extra; silent off a terminal."""

from __future__ import annotations

import io
import re

from livecut.progress import Progress


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_bar_shows_count_rate_eta_and_label():
    buf = io.StringIO()
    with Progress(40, "livecut", unit="frames", stream=buf) as bar:
        for _ in range(40):
            bar.update(1, extra="latency 12 ms")
    last = [ln for ln in _plain(buf.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
    assert "livecut" in last and "40/40" in last and "frames/s" in last and "ETA" in last
    assert last.rstrip().endswith("latency 12 ms")


def test_unknown_total_shows_count_and_rate():
    buf = io.StringIO()
    with Progress(None, "livecut", unit="frames", stream=buf) as bar:
        bar.update(7)
    text = _plain(buf.getvalue())
    assert "7" in text and "frames/s" in text and "ETA" not in text


def test_silent_when_stderr_is_not_a_terminal(capsys):
    with Progress(5, "x") as bar:  # pytest's stderr is not a tty
        bar.update(5)
    assert capsys.readouterr().err == ""
    assert bar.count == 5
