"""The progress bar (rich): count, rate, ETA and a labelled extra; silent off a terminal."""

from __future__ import annotations

import io
import os
import re
import signal
import sys
import time

import pytest

from livecut.progress import Progress


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_bar_shows_count_rate_eta_and_label(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TERM", "xterm")  # (rich takes no COLUMNS on a dumb one)
    buf = io.StringIO()
    with Progress(40, "livecut", unit="frames", stream=buf) as bar:
        for _ in range(40):
            bar.update(1, extra="latency 12 ms")
    last = [ln for ln in _plain(buf.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
    assert "livecut" in last and "40/40" in last and "frames/s" in last and "ETA" in last
    assert last.rstrip().endswith("latency 12 ms")


def _bar_colours(text: str) -> list[set[str]]:
    """The colours (SGR codes) the bar's cells are drawn in, line by line."""
    lines = [ln for ln in text.replace("\r", "\n").splitlines() if "\u2501" in ln]
    return [set(re.findall(r"\x1b\[([0-9;]*)m(?:\u2501|\u257a|\u2578)", ln)) for ln in lines]


@pytest.mark.parametrize("which", ["livecut", "batch"])
def test_a_finished_bar_is_not_drawn_as_an_empty_one_on_a_16_colour_terminal(monkeypatch, which):
    """On a terminal of 16 colours (TERM=xterm, as `docker exec -t` and many SSH setups give) rich's
    green of a finished bar, rgb(114,156,31), was drawn as bright black, the colour of the bar's
    empty part: `livecut file`, `livecut image` or `livecut batch` run to its end left a bar that
    looked empty above the summary. The finished bar is drawn in a colour of its own."""
    from pathlib import Path

    from livecut.batch import Item, _BatchBar

    for name in ("COLORTERM", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TERM", "xterm")
    buf = io.StringIO()
    if which == "livecut":
        with Progress(4, "livecut", unit="frames", stream=buf) as bar:
            bar.update(0)
            bar.update(4)
    else:
        buf.isatty = lambda: True
        item = Item(src=Path(__file__), kind="image", rel="x.png")
        bar = _BatchBar([item], 1, True, stream=buf)
        bar.finished(item, True, 1)
        bar.close()
    drawn = _bar_colours(buf.getvalue())
    empty, full = drawn[0], drawn[-1]
    assert empty and full and not (full & empty), drawn


def test_unknown_total_shows_count_and_rate():
    buf = io.StringIO()
    with Progress(None, "livecut", unit="frames", stream=buf) as bar:
        bar.update(7)
    text = _plain(buf.getvalue())
    assert "7" in text and "frames/s" in text and "ETA" not in text


def _last_line(columns: int, total, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("TERM", "xterm")
    buf = io.StringIO()
    with Progress(total, "livecut", unit="frames", stream=buf) as bar:
        for _ in range(160):
            bar.update(1, extra="latency 12 ms 3 dropped")
    lines = [ln for ln in _plain(buf.getvalue()).replace("\r", "\n").splitlines() if ln.strip()]
    return lines[-1]


def test_a_narrow_terminal_keeps_the_count_and_the_eta_whole(monkeypatch):
    """On 40-60 columns rich cut the count and the ETA first ('16...', 'ETA 0:0...') and kept
    the latency text: the bar and the extra text go instead."""
    for columns in (40, 60, 80):
        last = _last_line(columns, 1600, monkeypatch)
        assert "160/1600" in last and re.search(r"ETA \d+:\d\d:\d\d", last), (columns, last)
        assert "\u2026" not in last and len(last.rstrip()) <= columns, (columns, last)
        assert ("frames/s" in last) == (columns >= 60)
    live = _last_line(60, None, monkeypatch)  # a live source: count, rate and the latency
    assert "160" in live and "frames/s" in live and "latency 12 ms 3 dropped" in live, live


def test_a_terminal_resized_during_the_run_keeps_the_count_and_the_eta_whole(monkeypatch):
    """A terminal made narrower during the run (SIGWINCH): the line kept the columns laid out for
    its first width, which rich cut to 'live... 112.9 fram... ... latency 5...', the count and the
    ETA gone; it is laid out again for the width it is drawn on, wider again as well."""
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TERM", "xterm")
    buf = io.StringIO()
    with Progress(1600, "livecut", unit="frames", stream=buf) as bar:
        bar.update(80, extra="latency 12 ms")
        bar._bar.refresh()
        bar._bar.console.width = 30  # (what rich reads from the terminal after a SIGWINCH)
        bar.update(80)
        bar._bar.refresh()
        narrow = [ln for ln in _plain(buf.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
        bar._bar.console.width = 120
        bar.update(1)
    wide = [ln for ln in _plain(buf.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
    assert "160/1600" in narrow and re.search(r"ETA \d+:\d\d:\d\d", narrow), narrow
    assert "\u2026" not in narrow and len(narrow.rstrip()) <= 30, narrow
    assert "161/1600" in wide and "frames/s" in wide and wide.rstrip().endswith("latency 12 ms"), wide


def test_a_columns_wider_than_the_terminal_is_not_drawn_past_its_edge(monkeypatch):
    """COLUMNS=250 exported (or left from a wider window) in an 80-column terminal: the line was
    drawn 250 wide, which the terminal wrapped, and each redraw left the rows above it behind;
    it is drawn no wider than the terminal, and follows it as it is resized."""
    import fcntl
    import os
    import struct
    import termios
    import threading

    def size(fd: int, columns: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))

    master, slave = os.openpty()
    size(slave, 80)
    got = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            got.extend(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setenv("TERM", "xterm")
    with open(slave, "w", encoding="utf-8", closefd=False) as tty:
        with Progress(1600, "livecut", unit="frames", stream=tty) as bar:
            bar.update(80, extra="latency 12 ms")
            bar._bar.refresh()
            size(slave, 40)
            bar.update(80)
            bar._bar.refresh()
            drawn = bar._bar.console.width
        tty.flush()
    os.close(slave)
    reader.join(10)
    os.close(master)
    lines = [ln for ln in _plain(got.decode("utf-8", "replace")).replace("\r", "\n").splitlines() if ln.strip()]
    assert lines and max(len(ln.rstrip()) for ln in lines) <= 80, lines
    assert drawn == 40 and "160/1600" in lines[-1] and len(lines[-1].rstrip()) <= 40, lines


def test_columns_0_draws_the_bar_as_where_columns_is_unset(monkeypatch):
    """COLUMNS=0 (no width said) drew no progress line at all: rich took it for 0 columns.  It
    is drawn as where COLUMNS is unset."""
    zero = _last_line(0, 1600, monkeypatch)
    assert "160/1600" in zero and "ETA" in zero, zero
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setenv("TERM", "xterm")
    buf = io.StringIO()
    with Progress(1600, "livecut", unit="frames", stream=buf) as bar:
        for _ in range(160):
            bar.update(1, extra="latency 12 ms 3 dropped")
    unset = [ln for ln in _plain(buf.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
    assert re.sub(r"[\d:.]+ ?frames/s|\d+:\d\d:\d\d", "", zero) == re.sub(r"[\d:.]+ ?frames/s|\d+:\d\d:\d\d", "", unset)


def test_silent_when_stderr_is_not_a_terminal(capsys):
    with Progress(5, "x") as bar:  # pytest's stderr is not a tty
        bar.update(5)
    assert capsys.readouterr().err == ""
    assert bar.count == 5


def test_a_very_narrow_terminal_keeps_the_count_whole(monkeypatch):
    """On 20 columns (livecut 160/200 ETA 0:00:00 is 27) rich cut the count to '16...' and the
    ETA to '0:0...': the label goes first, then the ETA."""
    for columns, total, eta in ((20, 200, True), (20, 1600, False), (12, 1600, False)):
        last = _last_line(columns, total, monkeypatch)
        assert f"160/{total}" in last and "\u2026" not in last, (columns, last)
        assert bool(re.search(r"ETA \d+:\d\d:\d\d", last)) == eta, (columns, last)
        assert len(last.rstrip()) <= columns, (columns, last)
    assert "livecut" in _last_line(40, 1600, monkeypatch)


def test_no_bar_on_a_dumb_terminal(monkeypatch):
    """TERM=dumb (Emacs's shell): rich drew nothing while the run went on, then the stale bar
    and an empty line before the summary; no bar is drawn there, as off a terminal."""
    from conftest import Tty

    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    for term, drawn in (("dumb", False), ("xterm-256color", True)):
        monkeypatch.setenv("TERM", term)
        tty.seek(0)
        tty.truncate()
        with Progress(5, "livecut", unit="frames") as bar:
            bar.update(5)
        assert ("5/5" in tty.getvalue()) == drawn, (term, tty.getvalue())
        assert bar.count == 5


def test_a_log_line_during_the_run_goes_above_the_bar(monkeypatch):
    """A log line written while the bar is drawn (a stream lost, then reconnected) was glued to
    the end of the drawn line, '... latency 40 mslivecut: stream rtsp://cam/x lost (...)'; it is
    a line of its own above the bar, which goes on below it."""
    import logging

    from livecut.cli import _setup_logging

    from conftest import Tty

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    _setup_logging(False)
    with Progress(None, "livecut", unit="frames") as bar:
        bar.update(5, extra="latency 40 ms")
        bar._bar.refresh()
        logging.getLogger("livecut.sources.stream").warning("stream rtsp://cam/x lost (connection reset)")
        bar.update(3)
    lines = [ln.strip() for ln in _plain(tty.getvalue()).replace("\r", "\n").splitlines() if ln.strip()]
    assert "livecut: stream rtsp://cam/x lost (connection reset)" in lines, lines
    assert lines[-1].startswith("livecut") and " 8 " in lines[-1] and "latency 40 ms" in lines[-1], lines


def test_livecut_image_counts_photos_a_second(tmp_path, monkeypatch):
    """`livecut image shots/ -o cut/`'s bar said '7.3 it/s' (tqdm's word), where eval's says
    'photo/s' and a video's 'frames/s'."""
    import cv2
    import numpy as np

    from livecut.config import load_config
    from livecut.images import process_images

    from conftest import Tty

    for i in range(2):
        cv2.imwrite(str(tmp_path / f"p{i}.png"), np.full((64, 64, 3), 90 + i, np.uint8))
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "80")
    process_images([str(tmp_path / "p0.png"), str(tmp_path / "p1.png")], tmp_path / "out", load_config(),
                   progress=True)
    text = _plain(tty.getvalue())
    assert "2/2" in text and "photo/s" in text and "it/s" not in text, text


def test_a_panorama_s_windows_are_counted_on_a_terminal(tmp_path, monkeypatch):
    """`livecut image strip.png -o cut/` of a very long photo (1000000x16: 25000 windows, minutes)
    showed nothing at all on a terminal until it was done; its windows are counted, on a bar of
    their own for one photo, on the photos' bar beside them ('window 3/5') for several."""
    import cv2
    import numpy as np

    from livecut.config import load_config
    from livecut.images import photo_mask, process_images
    from livecut.segment import Segmenter

    from conftest import Tty

    strip = np.random.default_rng(0).integers(0, 255, (20, 240, 3), np.uint8)
    calls = []
    photo_mask(Segmenter(load_config(), still=True), strip, lambda k, n: calls.append((k, n)))
    n = len(calls)
    assert n > 2 and calls == [(k, n) for k in range(1, n + 1)], calls
    cv2.imwrite(str(tmp_path / "strip.png"), strip)
    cv2.imwrite(str(tmp_path / "p.png"), np.full((64, 64, 3), 90, np.uint8))
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    extras, update = [], Progress.update
    monkeypatch.setattr(Progress, "update", lambda self, k=1, extra=None: (extras.append(extra), update(self, k, extra)))
    for inputs in ([tmp_path / "strip.png"], [tmp_path / "strip.png", tmp_path / "p.png"]):
        tty = Tty()
        monkeypatch.setattr("sys.stderr", tty)
        extras.clear()
        process_images([str(p) for p in inputs], tmp_path / f"out{len(inputs)}", load_config(), progress=True)
        text = _plain(tty.getvalue())
        if len(inputs) == 1:  # (a bar of its windows)
            assert "windows" in text and f"{n}/{n}" in text and "window/s" in text, text
        else:  # (the photos' bar, its windows beside it)
            assert [e for e in extras if e] == [f"window {k}/{n}" for k in range(1, n + 1)], extras
            assert "2/2" in text, text


def test_a_panorama_s_windows_are_counted_on_an_80_column_terminal(tmp_path, monkeypatch):
    """On a terminal under 100 columns (80, the usual) the photos' bar left out its extra text, and
    with it the windows of a panorama: `livecut image pano.jpg -o cut/` of a 30000x3000 photo (over
    40 megapixels: on the photos' bar) showed 'images 0/1 0.0 photo/s ETA -:--:--' unchanged for its
    half minute, as README says its windows are counted there; they are, where they fit whole, the
    count and the ETA kept whole before them on a narrower one."""
    import cv2
    import numpy as np

    from livecut.config import load_config
    from livecut.images import process_images

    from conftest import Tty

    strip = np.random.default_rng(0).integers(0, 255, (20, 240, 3), np.uint8)
    cv2.imwrite(str(tmp_path / "strip.png"), strip)
    cv2.imwrite(str(tmp_path / "p.png"), np.full((64, 64, 3), 90, np.uint8))
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "80")
    update = Progress.update

    def drawn(self, k=1, extra=None):  # (each window drawn: rich draws 4 times a second)
        update(self, k, extra)
        if self._bar is not None:
            self._bar.refresh()

    monkeypatch.setattr(Progress, "update", drawn)
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    process_images([str(tmp_path / "strip.png"), str(tmp_path / "p.png")], tmp_path / "out", load_config(),
                   progress=True)
    lines = _plain(tty.getvalue()).replace("\r", "\n").splitlines()
    shown = [ln for ln in lines if "window 1/" in ln]
    assert shown and all("0/2" in ln and "ETA" in ln and len(ln.rstrip()) <= 80 for ln in shown), lines
    for columns in (30, 40, 60, 80):  # (the count and the ETA whole; the windows where they fit)
        monkeypatch.setenv("COLUMNS", str(columns))
        buf = io.StringIO()
        with Progress(1600, "images", unit="photo", stream=buf, narrow_extra=True) as bar:
            bar.update(160, extra="window 12/25000")
        last = [ln for ln in _plain(buf.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
        assert "160/1600" in last and re.search(r"ETA (\d+:\d\d:\d\d|-:--:--)", last), (columns, last)
        assert "\u2026" not in last and len(last.rstrip()) <= columns, (columns, last)
        if columns != 60:  # (on 60, as the rate's length leaves room)
            assert ("window 12/25000" in last) == (columns == 80), (columns, last)


def test_photos_left_by_skip_existing_count_in_no_rate_nor_eta(monkeypatch):
    """`livecut image shots/ -o cut/ --skip-existing`, a run resumed over 373 photos done before:
    each was counted as done at once, and the bar said '256.7 photo/s', 'ETA 0:00:06' for 1600
    photos that took 1:47 at 15 a second. They are counted, not taken for speed."""
    from conftest import Tty

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setattr("sys.stderr", Tty())
    with Progress(10000, "images", unit="photo") as bar:
        for _ in range(900):
            bar.skip(1)
        for _ in range(2):
            time.sleep(0.2)
            bar.update(1)
        eta = bar._bar.tasks[0].time_remaining
        rate = bar._bar.tasks[0].fields["rate"]
    # (2 photos in 0.2 s each: 5 a second, 9098 left)
    assert bar.count == 902 and eta is not None and eta > 9098 / 10, eta
    assert float(rate.split()[0]) < 10, rate


def test_livecut_image_s_rate_leaves_out_the_photos_skip_existing_left(tmp_path, monkeypatch):
    """The same through `livecut image ... --skip-existing`: its rate was of the photos left too."""
    import cv2
    import numpy as np

    from livecut.config import load_config
    from livecut.images import process_images

    from conftest import Tty

    out = tmp_path / "out"
    out.mkdir()
    for i in range(303):  # (300 done before, their outputs there: not read)
        cv2.imwrite(str(tmp_path / f"p{i:03d}.png"), np.full((64, 64, 3), 90, np.uint8))
        if i < 300:
            (out / f"p{i:03d}.png").write_bytes(b"")
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setattr("sys.stderr", Tty())
    seen, close = [], Progress.close
    monkeypatch.setattr(Progress, "close", lambda self: (
        self._bar is not None and seen.append((float(self._bar.tasks[0].fields["rate"].split()[0]),
                                               time.perf_counter() - self._start)), close(self)))
    report = process_images(sorted(map(str, tmp_path.glob("p*.png"))), out, load_config(), progress=True,
                            skip_existing=True)
    assert report.skipped == 300 and report.written == 3
    (rate, seconds), = seen
    assert rate * seconds < 10, (rate, seconds)  # (3 photos cut; it was 303)


def test_a_rate_under_one_a_ten_seconds_says_the_seconds_each(monkeypatch):
    """Photos of 151 megapixels, 30 s each, were counted '0.0 photo/s', as if none were cut;
    under 0.1 a second the line says the seconds each ('30 s/photo'); 0.1 and more as before."""
    from conftest import Tty

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    for unit, elapsed, said in (("photo", 60.0, "30 s/photo"), ("frames", 60.0, "30 s/frame"),
                                ("photo", 10.0, "0.2 photo/s")):
        tty = Tty()
        monkeypatch.setattr("sys.stderr", tty)
        with Progress(3, "images", unit=unit) as bar:
            bar._start -= elapsed
            bar.update(2)
            bar._bar.refresh()
        text = _plain(tty.getvalue())
        assert said in text and "0.0 " not in text, (said, text)


def test_livecut_image_of_one_long_photo_shows_its_bar(tmp_path, monkeypatch):
    """`livecut image gfx100.jpg -o cut.png` at a terminal showed nothing for the 10-30 s a
    151-megapixel photo takes (the bar, whose time goes on, was drawn for several photos only):
    one photo from images.LONG_PHOTO_PIXELS on (from its header) has it too; a smaller one, cut
    in a second or two, still has none (here the limit is made 64x64 so as to cut small photos)."""
    import cv2
    import numpy as np

    import livecut.images as images
    from livecut.config import load_config

    from conftest import Tty

    monkeypatch.setattr(images, "LONG_PHOTO_PIXELS", 64 * 64, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "80")
    for (w, h), drawn in (((64, 64), True), ((64, 60), False)):
        src = tmp_path / f"p{w}x{h}.png"
        cv2.imwrite(str(src), np.full((h, w, 3), 90, np.uint8))
        tty = Tty()
        monkeypatch.setattr("sys.stderr", tty)
        images.process_images([str(src)], tmp_path / f"{src.stem}.out.png", load_config(), progress=True)
        text = _plain(tty.getvalue())
        assert ("1/1" in text and "images" in text) == drawn, (w, h, text)


def test_a_panorama_that_fails_leaves_no_window_count_on_the_bar(tmp_path, monkeypatch):
    """`livecut image strip.png p.png ... -o cut/` where the panorama's cut failed part way (a
    MemoryError in one of its windows): the photos' bar went on saying 'window 1/5' beside the
    count of the photos after it, which had no windows."""
    import cv2
    import numpy as np

    from livecut.config import load_config
    from livecut.images import process_images
    from livecut.segment import Segmenter

    from conftest import Tty

    cv2.imwrite(str(tmp_path / "strip.png"), np.random.default_rng(0).integers(0, 255, (20, 240, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "p.png"), np.full((64, 64, 3), 90, np.uint8))
    mask, calls = Segmenter.mask, []

    def failing(self, img, *args, **kwargs):
        calls.append(img.shape)
        if len(calls) == 2:  # (the panorama's second window)
            raise MemoryError
        return mask(self, img, *args, **kwargs)

    monkeypatch.setattr(Segmenter, "mask", failing)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    shown, update = [], Progress.update

    def seen(self, k=1, extra=None):
        update(self, k, extra)
        if k:
            shown.append(self.extra)

    monkeypatch.setattr(Progress, "update", seen)
    monkeypatch.setattr("sys.stderr", Tty())
    report = process_images([str(tmp_path / "strip.png"), str(tmp_path / "p.png")], tmp_path / "out", load_config(),
                            progress=True)
    assert report.written == 1 and len(report.errors) == 1 and "MemoryError" in report.errors[0], report
    assert shown == ["", ""], shown


_DRAWING = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from livecut.progress import Progress
with Progress(400, "livecut", unit="frames") as bar:
    os.write(2, b"PID %d\\n" % os.getpid())  # (drawing)
    for _ in range(400):
        bar.update(1)
        time.sleep(0.02)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
@pytest.mark.parametrize("resumed", ["fg", "bg"])
def test_ctrl_z_shows_the_cursor_before_it_stops_and_fg_draws_again(tmp_path, resumed):
    """Ctrl-Z (SIGTSTP) while the progress line was drawn left the shell without a cursor (rich
    hides it while it draws, and shows it at the end only) until the run ended; the cursor is
    shown before the process stops, hidden again at fg (SIGCONT in front) and the line drawn
    anew; at bg (SIGCONT behind the shell) it is left to the shell."""
    from conftest import REPO, JobShell

    with JobShell([sys.executable, "-c", _DRAWING, str(REPO)], held=0.3, fg=resumed == "fg",
                  say_stopped=True) as sh:
        sh.read(lambda: b"PID" in sh.out and b"/400" in sh.out, 30.0)
        run = int(sh.out.split(b"PID ")[1].split()[0])
        assert b"\x1b[?25l" in sh.out
        before = len(sh.out)
        os.kill(run, signal.SIGTSTP)  # (as the terminal sends it: to the run's process group)
        sh.read(lambda: b"STOPPED" in sh.out[before:] and sh.out[before:].split(b"STOPPED")[1].count(b"/400") > 2,
                30.0)
        stopped, _, after = sh.out[before:].partition(b"STOPPED")
        assert stopped.rfind(b"\x1b[?25h") > stopped.rfind(b"\x1b[?25l"), stopped[-200:]
        assert b"/400" in after  # (drawn again)
        assert (b"\x1b[?25l" in after) == (resumed == "fg"), after[:200]
        os.kill(run, signal.SIGTERM)


_TIMED = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from livecut.progress import Progress
from livecut.runner import Stats
stats, t0 = Stats(), time.perf_counter()
with Progress(400, "livecut", unit="frames") as bar:
    os.write(2, b"PID %d\\n" % os.getpid())
    for _ in range(200):  # (4 s: stopped meanwhile)
        bar.update(1)
        time.sleep(0.02)
    stats.processed = 200
    said = (time.perf_counter() - t0, bar._bar.tasks[0].elapsed, 200 / float(bar._rate().split()[0]), 200 / stats.fps)
os.write(2, b"TIMES %.3f %.3f %.3f %.3f\\n" % said)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
def test_the_time_stopped_by_ctrl_z_is_left_out_of_the_rate_elapsed_and_summary():
    """A run stopped by Ctrl-Z for a minute and resumed by fg counted the minute in its rate, its
    elapsed time and ETA, and its summary's fps ('livecut file long.mp4', image, batch): they are the
    work's, the time stopped left out (as a live preview's pauses are)."""
    from conftest import REPO, JobShell

    held = 3.0
    with JobShell([sys.executable, "-c", _TIMED, str(REPO)], held=held) as sh:
        sh.read(lambda: b"PID" in sh.out and b"/400" in sh.out)
        os.kill(int(sh.out.split(b"PID ")[1].split()[0]), signal.SIGTSTP)
        sh.read(lambda: re.search(rb"TIMES( [\d.]+){4}\s", sh.out) is not None)
        wall, elapsed, rated, summed = map(float, re.search(rb"TIMES(( [\d.]+){4})", sh.out).group(1).split())
        assert wall >= held
        # (the rate's text has one decimal: its seconds are within a few percent)
        for seconds in (elapsed, rated * 0.95, summed):
            assert seconds <= wall - held + 0.1, (wall, elapsed, rated, summed)


_IN_OPENCV = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
import cv2, numpy as np
from livecut.progress import Progress
cv2.setNumThreads(1)
big = np.zeros((3000, 3000), np.float32)
t0 = time.perf_counter()
with Progress(10, "livecut", unit="photos") as bar:
    bar.update(1)
    time.sleep(0.5)  # (drawn)
    os.write(2, b"BUSY %d\\n" % os.getpid())
    cv2.GaussianBlur(big, (401, 401), 0)  # (seconds in OpenCV's code, as a 140-megapixel photo's)
    os.write(2, b"BACK\\n")
    bar.update(1)
    said = (time.perf_counter() - t0, bar._bar.tasks[0].elapsed)
os.write(2, b"TIMES %.3f %.3f\\n" % said)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
def test_a_progress_line_leaves_no_thread_nor_handler_of_ctrl_z_behind():
    """The thread that stops the process at Ctrl-Z (see the next test) is a drawn line's: it ends,
    and SIGTSTP's action and the wakeup fd are given back, when the line ends."""
    import threading

    from conftest import Tty

    with Progress(10, "livecut", unit="photos", stream=Tty()) as bar:
        bar.update(1)
        assert signal.getsignal(signal.SIGTSTP) is not signal.SIG_DFL
        assert any(t.name == "livecut-ctrl-z" for t in threading.enumerate())
    deadline = time.monotonic() + 5.0
    while any(t.name == "livecut-ctrl-z" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(t.name == "livecut-ctrl-z" for t in threading.enumerate())
    assert signal.getsignal(signal.SIGTSTP) is signal.SIG_DFL
    assert signal.set_wakeup_fd(-1) == -1


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
@pytest.mark.parametrize("other", ["gives it back", "unsets it"])
def test_a_wakeup_fd_set_by_another_during_the_line_leaves_no_ctrl_z_thread_behind(other):
    """Another wakeup fd set while the line was drawn (RtmpRelay.wake_on_signals, asyncio's signal
    handlers) and still set when it ended: the thread that stops the process at Ctrl-Z stayed,
    reading a pipe no one closed, and (the other's given back, ours set again) each later line
    found a wakeup fd set and took none.  The thread ends with its line all the same, the pipe's
    number given back writes to nothing, and the next line watches again."""
    import threading

    from conftest import Tty

    def watchers(expected: bool) -> bool:
        deadline = time.monotonic() + 5.0
        while (any(t.name == "livecut-ctrl-z" for t in threading.enumerate()) != expected
               and time.monotonic() < deadline):
            time.sleep(0.02)
        return any(t.name == "livecut-ctrl-z" for t in threading.enumerate())

    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        with Progress(10, "livecut", unit="photos", stream=Tty()) as bar:
            bar.update(1)
            assert watchers(True)
            ours = signal.set_wakeup_fd(w, warn_on_full_buffer=False)  # (another's now)
            if other == "unsets it":  # (asyncio's, its last signal handler removed)
                signal.set_wakeup_fd(-1)
        assert not watchers(False)
        assert signal.getsignal(signal.SIGTSTP) is signal.SIG_DFL
        if other == "gives it back":  # (as wake_on_signals does: the fd it found, ours, set again)
            assert signal.set_wakeup_fd(ours, warn_on_full_buffer=False) in (w, -1)
            assert os.path.samefile(f"/proc/self/fd/{ours}", os.devnull) if os.path.isdir("/proc/self/fd") else True
        with Progress(10, "livecut", unit="photos", stream=Tty()) as bar:
            bar.update(1)
            assert watchers(True)
        assert not watchers(False)
        assert signal.set_wakeup_fd(-1) == -1
    finally:
        signal.set_wakeup_fd(-1)
        os.close(r)
        os.close(w)


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
def test_ctrl_z_stops_at_once_while_the_run_is_in_a_long_native_call(tmp_path):
    """Ctrl-Z while the progress line was drawn and the run was in a long call of OpenCV's (a
    140-megapixel photo, a PNG encoded) stopped it only once the call returned, 0.2-5.4 s after
    the key (the cursor's handler ran then); it stops at once, the cursor shown, and the time
    stopped is left out of the elapsed time."""
    from conftest import REPO, JobShell

    held = 2.0
    with JobShell([sys.executable, "-c", _IN_OPENCV, str(REPO)], held=held, say_stopped=True) as sh:
        sh.read(lambda: b"BUSY" in sh.out, 30.0)
        time.sleep(0.2)  # (in OpenCV's call)
        before = len(sh.out)
        keyed = time.monotonic()
        os.kill(int(sh.out.split(b"BUSY ")[1].split()[0]), signal.SIGTSTP)
        sh.read(lambda: b"STOPPED" in sh.out[before:], 30.0)
        stopped_after = time.monotonic() - keyed
        sh.read(lambda: re.search(rb"TIMES( [\d.]+){2}\s", sh.out) is not None, 60.0)
        shown, _, after = sh.out[before:].partition(b"STOPPED")
        assert b"BACK" not in shown and stopped_after < 0.5, (stopped_after, sh.out[-300:])
        assert shown.rfind(b"\x1b[?25h") > shown.rfind(b"\x1b[?25l"), shown[-200:]
        wall, elapsed = map(float, re.search(rb"TIMES(( [\d.]+){2})", sh.out).group(1).split())
        assert wall >= held and elapsed <= wall - held + 0.1, (wall, elapsed)


_DECODING = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
import cv2, numpy as np
from livecut.imageio import _stderr_captured
from livecut.progress import Progress
cv2.setNumThreads(1)
big = np.zeros((3000, 3000), np.float32)

def decoding():
    cv2.GaussianBlur(big, (401, 401), 0)  # (seconds: a 140-megapixel PNG's)
    os.write(1, b"DECODED\\n")

with Progress(10, "livecut", unit="photos") as bar:
    bar.update(1)
    time.sleep(0.5)  # (drawn)
    os.write(2, b"BUSY %d\\n" % os.getpid())
    _stderr_captured(decoding, [])  # (as a photo is decoded: what libpng says on stderr is collected)
    bar.update(1)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
def test_ctrl_z_while_a_photo_is_decoded_shows_the_cursor():
    """Ctrl-Z while a photo was decoded (a big PNG: seconds, its decoder's stderr collected meanwhile,
    file descriptor 2 a file then) left the shell without a cursor: the cursor's sequence was
    written to the collected stderr; it goes to the terminal the line is drawn on."""
    from conftest import REPO, JobShell

    with JobShell([sys.executable, "-c", _DECODING, str(REPO)], held=1.0, say_stopped=True) as sh:
        sh.read(lambda: b"BUSY" in sh.out, 30.0)
        time.sleep(0.2)  # (in the decoding)
        before = len(sh.out)
        os.kill(int(sh.out.split(b"BUSY ")[1].split()[0]), signal.SIGTSTP)
        sh.read(lambda: b"STOPPED" in sh.out[before:] and b"DECODED" in sh.out[before:], 60.0)
        shown = sh.out[before:].partition(b"STOPPED")[0]
        assert shown.rfind(b"\x1b[?25h") > shown.rfind(b"\x1b[?25l"), shown[-200:]
        sh.read(lambda: sh.out.rstrip().endswith(b"\x1b[?25h"), 30.0)  # (the run's end)


_SAMPLED = """
import ctypes, os, sys, threading, time
sys.path.insert(0, sys.argv[1])
from livecut.progress import Progress, clock
back, done = [0.0], threading.Event()
C = ctypes.CDLL

class Libc:  # (the stop's end, SIGTSTP's action set back, widened: a thread switch there)
    def __init__(self, *args, **kwargs):
        self.libc = C(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.libc, name)

    def sigaction(self, sig, act, old):
        if old is None:
            time.sleep(0.05)
        return self.libc.sigaction(sig, act, old)

ctypes.CDLL = Libc

def sample():  # (as a reader thread stamps its frames, rich's thread its elapsed time)
    last = clock()
    while not done.is_set():
        now = clock()
        back[0], last = max(back[0], last - now), now
        time.sleep(0.001)

with Progress(400, "livecut", unit="frames") as bar:
    threading.Thread(target=sample, daemon=True).start()
    os.write(2, b"PID %d\\n" % os.getpid())
    for _ in range(150):
        bar.update(1)
        time.sleep(0.02)
done.set()
os.write(2, b"BACKWARDS %.3f\\n" % back[0])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="job control")
def test_the_clock_without_the_time_stopped_never_runs_back():
    """Resumed from a Ctrl-Z, the threads that ran before the stop was counted read the clock with
    the time stopped in it, then without: a frame stamped then (its latency, its processing time)
    counted the stop, and the elapsed time drawn went 0:01:05, then 0:00:05; the clock stands still
    until the stop is counted."""
    from conftest import REPO, JobShell

    with JobShell([sys.executable, "-c", _SAMPLED, str(REPO)], held=1.0) as sh:
        sh.read(lambda: b"PID" in sh.out and b"/400" in sh.out, 30.0)
        os.kill(int(sh.out.split(b"PID ")[1].split()[0]), signal.SIGTSTP)
        sh.read(lambda: re.search(rb"BACKWARDS [\d.]+\s", sh.out) is not None, 60.0)
        back = float(re.search(rb"BACKWARDS ([\d.]+)", sh.out).group(1))
        assert back < 0.1, back


@pytest.mark.parametrize("callback", [False, True])
def test_two_panoramas_off_a_terminal_are_both_cut(tmp_path, monkeypatch, callback):
    """`livecut image pano1.jpg pano2.jpg -o cut/ 2>log` (off a terminal, not --quiet): the first
    panorama's windows were counted on a Progress of their own, closed by a loop that took the
    name of process_images' ``windows`` callback, so the second panorama called that Progress:
    'internal error: TypeError: 'Progress' object is not callable', exit 1, the photos after it
    not cut (a library caller's ``windows`` was lost so too). Both are cut now, every window
    said to the callback."""
    import cv2
    import numpy as np

    from livecut.config import load_config
    from livecut.images import process_images

    strip = np.random.default_rng(0).integers(0, 255, (20, 240, 3), np.uint8)
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(tmp_path / name), strip)
    cv2.imwrite(str(tmp_path / "p.png"), np.full((64, 64, 3), 90, np.uint8))
    monkeypatch.setattr("sys.stderr", io.StringIO())  # (a log file: no bar of the photos)
    calls = []
    report = process_images([str(tmp_path / n) for n in ("a.png", "b.png", "p.png")], tmp_path / "out",
                            load_config(), progress=True,
                            windows=(lambda k, n: calls.append((k, n))) if callback else None)
    assert report.written == 3 and not report.errors, report
    if callback:
        n = calls[-1][1]
        assert n > 2 and calls == [(k, n) for k in range(1, n + 1)] * 2, calls


def test_a_variable_frame_rate_matroska_read_whole_ends_its_line_at_its_count(tmp_path, monkeypatch):
    """A variable frame rate in Matroska states no count of its frames: the line's total is an
    estimate, its duration times its stated rate. Read whole, its line ended short of it, '20/38'
    (as if frames were lost: nothing was, and the summary said 20 frames), or past it; it ends at
    the frames it held, '20/20'."""
    from fractions import Fraction

    from conftest import Tty, make_clip

    from livecut.config import load_config
    from livecut.runner import run_video

    # 10 frames at 25 fps, then 10 with a pause of 0.12 s before each (stated 25 fps: ~1.5 s)
    pts = [40 * i for i in range(10)] + [400 + 120 * i for i in range(10)]
    src = make_clip(tmp_path / "vfr.mkv", w=96, h=64, n=20, time_base=Fraction(1, 1000), pts=pts)
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    stats = run_video(str(src), str(tmp_path / "o.mkv"), load_config(), progress=True)
    assert stats.written == 20
    last = [ln for ln in _plain(tty.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
    assert re.search(r"\b20/20\b", last), last


def test_an_mp4_cut_with_an_edit_list_ends_its_line_at_the_frames_it_shows(tmp_path, monkeypatch):
    """`ffmpeg -ss 1.3 -i full.mp4 -c copy cut.mp4` keeps the frames from the key frame before
    1.3 s, its edit list marking those before 1.3 s not to be shown: the container counts them,
    the video shows the rest. Read whole, its line ended short of that count, '27/60' where 27
    frames were written and nothing was lost; it ends at the frames it shows, '27/27'."""
    import subprocess

    from conftest import Tty, make_clip

    from livecut.config import load_config
    from livecut.runner import run_video

    full = make_clip(tmp_path / "full.mp4", w=96, h=64, n=60)
    cut = tmp_path / "cut.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "1.3", "-i", str(full), "-c", "copy", str(cut)],
                   check=True, timeout=60)
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    stats = run_video(str(cut), str(tmp_path / "o.mp4"), load_config(), progress=True)
    n = stats.written
    assert 0 < n < 60
    last = [ln for ln in _plain(tty.getvalue()).replace("\r", "\n").splitlines() if ln.strip()][-1]
    assert re.search(rf"\b{n}/{n}\b", last), last
