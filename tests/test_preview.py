"""The preview window, with injected window functions: legible overlay text, a window that
fits the screen, mode/background keys that redraw a paused frame, the help overlay."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import APPEND_ONLY, open_that_stops

from livecut.config import load_config
from livecut.runner import Processor
from livecut.sinks.base import SinkInfo
from livecut.sinks.preview import HELP, PreviewSink, draw_text, fit_scale, screen_size
from livecut.sources.base import Frame, SourceInfo


class Window:
    def __init__(self, keys=()):
        self.shown: list[np.ndarray] = []
        self.keys = list(keys)

    def imshow(self, name, img):
        self.shown.append(img.copy())

    def waitkey(self, ms):
        return self.keys.pop(0) if self.keys else -1

    def sink(self, info, **kw):
        return PreviewSink(info, imshow=self.imshow, waitkey=self.waitkey, destroy=lambda: None, **kw)


def test_overlay_text_box_follows_the_text():
    img = np.full((60, 700, 3), 128, np.uint8)
    text = "30.0 fps  latency 40 ms  composite  thr 0.50  PAUSED"
    draw_text(img, text, (8, 20))
    changed = np.argwhere(np.any(img != 128, axis=2))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
    x0, x1 = changed[:, 1].min(), changed[:, 1].max()
    assert x0 >= 4 and x1 <= 8 + tw + 4  # no shadow sticking out past the text ("PAUSEDSED")
    inside = img[20 - th:20 + base, 8:8 + tw]
    assert inside.max() > 200 and inside.min() < 40  # white text on a dark box


@pytest.mark.parametrize("size, screen, fits", [((2560, 780), (1600, 900), True),
                                                ((640, 360), (1600, 900), False)])
def test_a_frame_larger_than_the_screen_is_scaled_to_fit(size, screen, fits):
    w, h = size
    win = Window()
    with win.sink(SinkInfo(w, h, 25.0), screen=screen) as pv:
        pv.write(np.full((h, w, 3), 90, np.uint8))
    sh, sw = win.shown[-1].shape[:2]
    assert sw <= screen[0] and sh <= screen[1]
    if fits:
        assert sw < w and abs(sw / sh - w / h) < 0.01
    else:
        assert (sw, sh) == (w, h)


@pytest.mark.parametrize("channels", [3, 4])
def test_a_4k_frame_is_reduced_cheaply_for_the_screen(monkeypatch, channels):
    """A 4K frame shown at 1632x918 (a 1920x1080 screen) took 130 ms (BGR) and 290 ms (a cutout,
    BGRA) to draw on 2 cores -- more than a frame's time, so a 4K file could not play at its
    own speed, and a paused one kept the CPU busy redrawing: INTER_AREA at a factor of 2.35 is
    OpenCV's general area filter, and the cutout was blended over the checkerboard at 4K.  The
    frame is reduced a whole number of times by averaging (INTER_AREA's fast path), the rest
    bilinearly, and blended at the size shown; the picture is the same to within a level or two."""
    h, w = 2160, 3840
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.dstack([(xx * 255 // w), (yy * 255 // h), ((xx + yy) * 255 // (w + h))] +
                    ([np.full((h, w), 255)] if channels == 4 else [])).astype(np.uint8)
    calls, real_resize, real_blend = [], cv2.resize, cv2.blendLinear

    def resize(src, dsize, *a, **kw):
        calls.append(("resize", src.shape[:2], dsize, kw.get("interpolation")))
        return real_resize(src, dsize, *a, **kw)

    def blend(a, b, *rest, **kw):
        calls.append(("blend", a.shape[:2]))
        return real_blend(a, b, *rest, **kw)

    monkeypatch.setattr(cv2, "resize", resize)
    monkeypatch.setattr(cv2, "blendLinear", blend)
    win = Window()
    with win.sink(SinkInfo(w, h, 25.0), screen=(1920, 1080), overlay=False) as pv:
        pv.write(img)
    shown = win.shown[-1]
    assert shown.shape[:2] == (918, 1632)
    for call in calls:
        if call[0] == "resize" and call[3] == cv2.INTER_AREA:  # (only at a whole factor)
            (sh, sw), (dw, dh) = call[1], call[2]
            assert sh % dh == 0 and sw % dw == 0 and sh // dh == sw // dw, call
        if call[0] == "blend":
            assert call[1] == (918, 1632), call  # (blended at the size shown)
    monkeypatch.setattr(cv2, "resize", real_resize)
    ref = cv2.resize(np.ascontiguousarray(img[:, :, :3]), (1632, 918), interpolation=cv2.INTER_AREA)
    assert np.abs(shown.astype(int) - ref).mean() < 2.0


def test_fit_scale_and_screen_override(monkeypatch):
    assert fit_scale(1280, 720, (1920, 1080)) == 1.0
    assert fit_scale(2560, 780, (1600, 900)) == pytest.approx(1600 * 0.92 / 2560)
    monkeypatch.setenv("LIVECUT_SCREEN", "1366x768")
    assert screen_size() == (1366, 768)
    monkeypatch.setenv("LIVECUT_SCREEN", "bogus")
    assert screen_size() is None


def test_the_screen_of_a_mac_is_asked(monkeypatch):
    """On macOS the screen's size was not asked (None: 1920x1080 assumed), so a 1080p clip was
    shown at 1632x918 on a 1440x900 MacBook screen, past its edges; CoreGraphics is asked."""
    import ctypes
    import sys

    import livecut.sinks.preview as pv

    class Fn:
        def __init__(self, value):
            self.value = value

        def __call__(self, *args):
            return self.value

    class CoreGraphics:
        CGMainDisplayID, CGDisplayPixelsWide, CGDisplayPixelsHigh = Fn(1), Fn(1440), Fn(900)

    opened = []
    monkeypatch.delenv("LIVECUT_SCREEN", raising=False)
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(ctypes, "CDLL", lambda path: opened.append(path) or CoreGraphics())
    assert pv.screen_size() == (1440, 900) and opened == [pv.CORE_GRAPHICS]
    assert fit_scale(1920, 1080, pv.screen_size()) * 1920 <= 1440
    monkeypatch.setattr(ctypes, "CDLL", lambda path: (_ for _ in ()).throw(OSError("no such file")))
    assert pv.screen_size() is None  # (not a Mac after all: the default size)


def _scene(h=180, w=320):
    rng = np.random.default_rng(0)
    bg = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), 6)
    img = bg.copy()
    img[40:140, 100:220] = rng.integers(0, 256, (100, 120, 3), dtype=np.uint8)
    return img


@contextlib.contextmanager
def _paused_preview():
    """A preview of one synthetic frame, run through a Processor and then paused: (proc, window, sink)."""
    proc = Processor(load_config())
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        out, view = proc(_scene())
        pv.write(view)
        proc.paused = True
        pv.idle()
        yield proc, win, pv


@pytest.mark.parametrize("key", ["m", "b"])
def test_mode_and_background_keys_redraw_a_paused_frame(key):
    with _paused_preview() as (proc, win, pv):
        before = win.shown[-1][60:, :].astype(int)  # below the overlay text
        assert pv.handle_key(ord(key))
        pv.idle()
        after = win.shown[-1][60:, :].astype(int)
    assert np.abs(after - before).mean() > 5, "the paused picture did not change"
    assert proc.comp.mode == "composite" and proc.comp.background.kind == "blur"  # output unchanged


def test_a_paused_frame_is_made_ready_for_the_screen_once(monkeypatch):
    """Paused, the window redrew every 30 ms, reducing (and blending) the whole frame each time:
    a 4K frame kept a core busy (40 ms a redraw); the frame is made ready once, only the
    overlay is drawn again (the help, a message: still seen at once), and anew after m or b."""
    proc = Processor(load_config())
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        out, view = proc(_scene())
        pv.write(view)
        proc.paused = True
        made = []
        real = pv._display
        monkeypatch.setattr(pv, "_display", lambda image: made.append(1) or real(image))
        for _ in range(5):
            pv.idle()
        assert len(made) == 1
        pv.handle_key(ord("h"))
        pv.idle()
        assert len(made) == 1 and np.any(win.shown[-1] != win.shown[-2])  # the help, at once
        before = win.shown[-1][150:].astype(int)  # (below the overlay)
        pv.handle_key(ord("m"))
        pv.idle()
        assert len(made) == 2 and np.abs(win.shown[-1][150:].astype(int) - before).mean() > 5


def test_the_background_key_says_when_the_mode_shows_none():
    """b in the mask or cutout mode changed a background the window does not show, saying only
    'preview background: color:#00b140 (the output is unchanged)' over a picture that did not
    change, as if the key did not work; it says the mode shows none."""
    proc = Processor(load_config(), mode="cutout")
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        assert pv.handle_key(ord("b")) and "not shown in cutout mode" in pv.message
        assert pv.handle_key(ord("m")) and pv.handle_key(ord("b")) and "not shown in mask mode" in pv.message
        assert pv.handle_key(ord("m")) and pv.handle_key(ord("b"))  # side-by-side: shown
        assert pv.message.endswith("(the output is unchanged)")


def test_help_overlay_says_what_keys_change():
    text = "\n".join(HELP)
    assert "not the output" in text and "and the output" in text
    win = Window()
    with win.sink(SinkInfo(320, 240, 25.0), screen=(1920, 1080)) as pv:
        img = np.full((240, 320, 3), 128, np.uint8)
        pv.write(img)
        plain = win.shown[-1].copy()
        assert pv.handle_key(ord("h")) and pv.help
        pv.write(img)
        assert np.any(win.shown[-1][70:] != plain[70:])


def test_a_display_that_does_not_answer_is_refused_in_one_line(monkeypatch, tmp_path):
    """DISPLAY set but unreachable (a dead SSH X forwarding, a container that inherited it):
    OpenCV's Qt would abort the whole process (exit 134, a temporary output left behind)."""
    import livecut.sinks.preview as pv
    from livecut.errors import DeviceUnavailable

    info = SinkInfo(width=64, height=48, fps=25.0)
    monkeypatch.setattr(pv, "_x11_connects", lambda display: False)
    monkeypatch.setenv("DISPLAY", ":99")
    with pytest.raises(DeviceUnavailable, match="':99'"):
        PreviewSink(info)
    monkeypatch.setattr(pv, "_x11_connects", lambda display: None)  # no Xlib to ask: tried
    assert pv.display_problem() is None
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setattr(pv, "_qt_platforms", lambda: None)  # (windows that open on Wayland: see below)
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-7")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert "XDG_RUNTIME_DIR" in pv.display_problem()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert "wayland-7" in pv.display_problem()
    (tmp_path / "wayland-7").touch()
    assert pv.display_problem() is None
    monkeypatch.delenv("WAYLAND_DISPLAY")
    assert pv.display_problem() == "DISPLAY is not set"


def test_a_wayland_display_without_x_is_refused_where_opencvs_qt_needs_x(monkeypatch, tmp_path):
    """A Wayland session's WAYLAND_DISPLAY without DISPLAY (no Xwayland, a service or a shell
    that was not given it): opencv-python's Qt has its X plugin alone (libqxcb.so), and aborted
    the whole process at the first window ('could not connect to display', exit 134), a camera
    turned on first.  It is said before, exit 2; a Qt with a Wayland plugin, or windows not
    known to need X, are left to open."""
    import livecut.sinks.preview as pv
    from livecut.errors import DisplayUnavailable

    build = "\n".join("  GUI:                           QT5" if line.strip().startswith("GUI:") else line
                      for line in cv2.getBuildInformation().splitlines())
    monkeypatch.setattr(pv.cv2, "getBuildInformation", lambda: build)
    plugins = tmp_path / "plugins"
    (plugins / "platforms").mkdir(parents=True)
    (plugins / "platforms" / "libqxcb.so").touch()
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", str(plugins))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    (tmp_path / "wayland-0").touch()
    assert "DISPLAY is not" in pv.display_problem() and "DISPLAY=:0" in pv.display_problem()
    with pytest.raises(DisplayUnavailable, match="open on X only"):
        PreviewSink(SinkInfo(width=64, height=48, fps=25.0))
    (plugins / "platforms" / "libqwayland-egl.so").touch()
    assert pv.display_problem() is None
    (plugins / "platforms" / "libqwayland-egl.so").unlink()
    monkeypatch.delenv("QT_QPA_PLATFORM_PLUGIN_PATH")  # (a Qt of the system's: not known)
    assert pv.display_problem() is None
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", str(plugins))
    gtk = build.replace("QT5", "GTK3")
    monkeypatch.setattr(pv.cv2, "getBuildInformation", lambda: gtk)
    assert pv.display_problem() is None


def test_preview_without_a_display_leaves_no_output_behind(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    import livecut.sinks.preview as pv
    from livecut.cli import app
    from tests.conftest import make_clip

    clip = tmp_path / "c.mp4"
    make_clip(clip, n=4)
    monkeypatch.setattr(pv, "_x11_connects", lambda display: False)
    monkeypatch.setenv("DISPLAY", ":99")
    r = CliRunner().invoke(app, ["file", str(clip), "-o", str(tmp_path / "o.mp4"), "--preview"])
    assert r.exit_code == 2 and "cannot connect to the X display" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.mp4"]


@pytest.mark.parametrize("command", ["file", "cam"])
def test_an_output_named_preview_is_refused_in_one_line(tmp_path, command):
    """-o preview (for --preview) was 'internal error: TypeError: PreviewSink.__init__() got an
    unexpected keyword argument 'force'', exit 1, after the input was opened (a camera turned
    on); it is refused before, one line naming --preview, exit 2."""
    from typer.testing import CliRunner

    from livecut.cli import app
    from tests.conftest import make_clip

    src = "0" if command == "cam" else str(make_clip(tmp_path / "c.mp4", n=4))
    r = CliRunner().invoke(app, [command, src, "-o", "preview", "-q"])
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == ["livecut: error: -o preview: the preview window is not an output: show it "
                                     "with --preview (-p), and give -o a video file, DIR/, - or a URL"], r.stderr


def test_a_headless_opencv_is_refused_before_any_frame(monkeypatch, tmp_path):
    """An OpenCV without window support (opencv-python-headless installed over opencv-python)
    with a display at hand: the run read and cut the first frame (a camera turned on first),
    then failed at the window ('The function is not implemented'); it is said before."""
    from typer.testing import CliRunner

    import livecut.sinks.preview as pv
    from livecut.cli import app
    from tests.conftest import make_clip

    headless = "\n".join("  GUI:                           NONE" if line.strip().startswith("GUI:") else line
                          for line in cv2.getBuildInformation().splitlines())
    shown = []

    def imshow(name, img):  # (as a headless build's does)
        shown.append(1)
        raise cv2.error("OpenCV(5.0.0) window.cpp:1301: error: (-2:Unspecified error) The function is not "
                        "implemented. Rebuild the library with Windows, GTK+ 2.x or Cocoa support.")

    monkeypatch.setattr(pv.cv2, "getBuildInformation", lambda: headless)
    monkeypatch.setattr(pv.cv2, "imshow", imshow)
    monkeypatch.setattr(pv, "_x11_connects", lambda display: True)
    monkeypatch.setattr(pv, "screen_size", lambda: (1920, 1080))
    monkeypatch.setenv("DISPLAY", ":0")
    assert not pv.opencv_has_windows() and "opencv-python-headless" in pv.display_problem()
    clip = make_clip(tmp_path / "c.mp4", n=4)
    r = CliRunner().invoke(app, ["file", str(clip), "-o", str(tmp_path / "o.mp4"), "--preview"])
    assert r.exit_code == 2 and "opencv-python-headless" in r.output and len(r.output.strip().splitlines()) == 1
    assert shown == [] and sorted(p.name for p in tmp_path.iterdir()) == ["c.mp4"]


@pytest.mark.parametrize("failing", ["imshow", "waitKeyEx"])
def test_a_window_that_opencv_cannot_show_is_a_display_error(monkeypatch, tmp_path, failing):
    """OpenCV's window failing although a display seemed at hand (a GTK or Qt that cannot
    start, a DISPLAY gone mid-run): cv2.waitKeyEx's cv2.error was 'internal error: error:
    OpenCV(...)', exit 1, and cv2.imshow's '--preview: cannot open a window (...)', exit 1
    (a device error, library code naming the option); both are DisplayUnavailable, one line,
    exit 2, no output left behind."""
    from typer.testing import CliRunner

    import livecut.sinks.preview as pv
    from livecut.cli import app
    from livecut.errors import DisplayUnavailable
    from tests.conftest import make_clip

    def fail(*args):
        raise cv2.error("OpenCV(5.0.0) /io/opencv/modules/highgui/src/window.cpp:1301: error: "
                        "(-2:Unspecified error) Can't initialize GTK backend in function 'cvWaitKey'\n")

    monkeypatch.setattr(pv, "display_problem", lambda: None)
    monkeypatch.setattr(pv, "screen_size", lambda: (1920, 1080))
    monkeypatch.setattr(pv, "_window_visible", lambda: True)
    monkeypatch.setattr(pv.cv2, "destroyWindow", lambda name: None)
    monkeypatch.setattr(pv.cv2, "imshow", lambda name, img: None)
    monkeypatch.setattr(pv.cv2, failing, fail)
    monkeypatch.setenv("QT_QPA_FONTDIR", str(tmp_path))  # (left as it is: see _quiet_qt_fonts)
    clip = make_clip(tmp_path / "c.mp4", n=4)
    r = CliRunner().invoke(app, ["file", str(clip), "-o", str(tmp_path / "o.mp4"), "--preview"])
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines() == ["livecut: error: preview needs a display: OpenCV's window failed (Can't "
                                     "initialize GTK backend in function 'cvWaitKey')"], r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.mp4"]
    # the library's own error, for a caller of its own
    with PreviewSink(SinkInfo(64, 48, 25.0), display_checked=True, screen=(1920, 1080)) as sink:
        with pytest.raises(DisplayUnavailable, match="^preview needs a display: "):
            sink.write(np.zeros((48, 64, 3), np.uint8))
            sink.poll()


@pytest.mark.parametrize("failing", ["imshow", "waitKeyEx"])
def test_a_window_that_fails_mid_run_is_let_go_and_the_recording_goes_on(monkeypatch, tmp_path, failing):
    """The preview's display gone part way through a run (a remote desktop or an X forwarding
    that dropped): the run ended on DisplayUnavailable, exit 2, and the recording made so far
    was discarded.  A window that worked is now let go: the output gets every frame, the run
    ends as it would without a preview, and the failure is said at once and in the warnings.
    Alone (nothing else written) it still ends the run, exit 2."""
    from typer.testing import CliRunner

    import livecut.sinks.preview as pv
    from livecut.cli import app
    from tests.conftest import make_clip, probe

    calls = []

    def sometimes(real):
        def call(*args):
            calls.append(1)
            if len(calls) > 8:
                raise cv2.error("OpenCV(5.0.0) /io/opencv/modules/highgui/src/window.cpp:1301: error: "
                                "(-2:Unspecified error) Can't open display in function 'cvShowImage'\n")
            return real(*args)
        return call

    monkeypatch.setattr(pv, "display_problem", lambda: None)
    monkeypatch.setattr(pv, "screen_size", lambda: (1920, 1080))
    monkeypatch.setattr(pv, "_window_visible", lambda: True)
    monkeypatch.setattr(pv.cv2, "destroyWindow", lambda name: None)
    monkeypatch.setattr(pv.cv2, "imshow", lambda name, img: None)
    monkeypatch.setattr(pv.cv2, "waitKeyEx", lambda ms: -1)
    monkeypatch.setattr(pv.cv2, failing, sometimes(getattr(pv.cv2, failing)))
    monkeypatch.setenv("QT_QPA_FONTDIR", str(tmp_path))
    clip = make_clip(tmp_path / "c.mp4", n=20)
    out = tmp_path / "o.mp4"
    r = CliRunner().invoke(app, ["file", str(clip), "-o", str(out), "--preview", "--no-pace"])
    assert r.exit_code == 0, (r.output, r.exception)
    assert probe(out)["frames"] == 20
    said = "OpenCV's window failed: Can't open display in function 'cvShowImage'"
    lines = r.stderr.splitlines()
    assert f"livecut: the preview window failed ({said}): the run goes on without it" in lines, r.stderr
    shown = 8 if failing == "imshow" else 9  # (the ninth frame shown, its keys not read)
    assert f"livecut: warning: the preview window failed after {shown} frames ({said}); the run went on without it" \
        in lines, r.stderr
    # the window alone: nothing else is written, the failure ends the run
    calls.clear()
    r = CliRunner().invoke(app, ["file", str(clip), "--preview", "--no-pace"])
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines()[-1] == ("livecut: error: preview needs a display: OpenCV's window failed "
                                         "(Can't open display in function 'cvShowImage')"), r.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux abstract socket stands for the X display")
def test_a_display_that_goes_away_mid_run_is_let_go_before_qt_exits(monkeypatch, tmp_path):
    """The X display gone part way through a run (an Xvfb, a remote desktop's X server that
    ended): OpenCV's Qt raises nothing, it exits the process (exit(1), "The X11 connection
    broke") at the next window call -- the recording made so far left as a temporary file, no
    word from livecut.  Qt's connection to the display is now looked at before each window
    call, and one the display closed lets the window go without another call into Qt."""
    import socket

    from typer.testing import CliRunner

    import livecut.sinks.preview as pv
    from livecut.cli import app
    from tests.conftest import make_clip, probe

    n = 5000 + os.getpid() % 1000
    server = socket.socket(socket.AF_UNIX)
    server.bind(f"\0/tmp/.X11-unix/X{n}")  # (the X server's abstract socket: no file)
    server.listen(64)
    gone = []
    shown = []
    qt_connection = []  # (Qt's connection to the display: the client's socket, the server's)

    def qt(result):
        def call(*args):
            if gone:  # (what Qt does once its X connection broke)
                raise SystemExit(1)
            if result == "shown":
                if not shown:  # (Qt connects as the first window opens)
                    client = socket.socket(socket.AF_UNIX)
                    client.connect(f"\0/tmp/.X11-unix/X{n}")
                    qt_connection[:] = [client, server.accept()[0]]
                shown.append(1)
                if len(shown) == 8:  # (the display's server ends: Qt's connection closed)
                    qt_connection[1].close()
                    server.close()
                    gone.append(1)
                return None
            return result
        return call

    monkeypatch.setenv("DISPLAY", f":{n}")
    monkeypatch.setattr(pv, "display_problem", lambda: None)
    monkeypatch.setattr(pv, "screen_size", lambda: (1920, 1080))
    monkeypatch.setattr(pv, "_window_visible", qt(True))
    monkeypatch.setattr(pv.cv2, "destroyWindow", qt(None))
    monkeypatch.setattr(pv.cv2, "imshow", qt("shown"))
    monkeypatch.setattr(pv.cv2, "waitKeyEx", qt(-1))
    monkeypatch.setenv("QT_QPA_FONTDIR", str(tmp_path))
    clip = make_clip(tmp_path / "c.mp4", n=20)
    out = tmp_path / "o.mp4"
    try:
        r = CliRunner().invoke(app, ["file", str(clip), "-o", str(out), "--preview", "--no-pace"])
    finally:
        server.close()
        for sock in qt_connection:
            sock.close()
    assert r.exit_code == 0, (r.output, r.exception)
    assert probe(out)["frames"] == 20
    assert f"livecut: the preview window failed (its X display :{n} is gone): the run goes on without it" \
        in r.stderr.splitlines(), r.stderr
    # the window alone: the run ends, exit 2, Qt not called again (its window not destroyed)
    server = socket.socket(socket.AF_UNIX)
    server.bind(f"\0/tmp/.X11-unix/X{n}")
    server.listen(64)
    gone.clear()
    shown.clear()
    try:
        r = CliRunner().invoke(app, ["file", str(clip), "--preview", "--no-pace"])
    finally:
        server.close()
        for sock in qt_connection:
            sock.close()
    assert r.exit_code == 2, (r.output, r.exception)
    assert r.stderr.splitlines()[-1] == f"livecut: error: preview needs a display: its X display :{n} is gone", \
        r.stderr


def test_a_window_let_go_while_paused_resumes_the_run():
    """Paused in the window when its display goes: nothing could resume the run (the keys were
    the window's); the pause is lifted with the window."""
    proc = Processor(load_config())
    fail = [False]

    def imshow(name, img):
        if fail[0]:
            raise cv2.error("display gone")

    with PreviewSink(SinkInfo(320, 180, 25.0), controls=proc, imshow=imshow, waitkey=lambda ms: -1,
                     destroy=lambda: None, screen=(1920, 1080), others=True) as pv:
        pv.write(_scene())
        assert pv.poll()
        proc.paused = True
        fail[0] = True
        assert pv.idle() is True
        assert proc.paused is False and pv.lost == "OpenCV's window failed: display gone"
        pv.write(_scene())
        assert pv.poll() and pv.stalled() and pv.finishing() and pv.idle()


def test_closing_the_window_quits_as_q_does(tmp_path):
    """The window manager's close button: the run ends (the output finalised), instead of
    the next frame opening the window again and the run going on to the end."""
    from livecut.runner import run_video
    from tests.conftest import make_clip, probe

    clip = make_clip(tmp_path / "c.mp4", n=20)
    out = tmp_path / "o.mp4"
    shown = []
    st = run_video(str(clip), str(out), load_config(), preview=True, progress=False,
                   preview_options={"imshow": lambda n, i: shown.append(1), "waitkey": lambda ms: -1,
                                    "destroy": lambda: None, "visible": lambda: len(shown) < 5})
    assert st.processed == 5 and len(shown) == 5
    assert probe(out)["frames"] == 5
    # and while paused
    proc = Processor(load_config())
    win, open_ = Window(), [True]
    with PreviewSink(SinkInfo(320, 180, 25.0), controls=proc, imshow=win.imshow, waitkey=win.waitkey,
                     destroy=lambda: None, visible=lambda: open_[0], screen=(1920, 1080)) as pv:
        pv.write(_scene())
        proc.paused = True
        assert pv.idle() and pv.poll()
        open_[0] = False
        assert pv.idle() is False and pv.poll() is False


def test_a_snapshot_never_overwrites_another(tmp_path, monkeypatch):
    """Two runs (or windows) that snapshot in the same second into the same folder."""
    import livecut.sinks.preview as pv_mod

    monkeypatch.setattr(pv_mod.time, "strftime", lambda fmt: "20250101-120000")
    paths = []
    for value in (50, 200):
        win = Window()
        with win.sink(SinkInfo(64, 48, 25.0), snapshot_dir=tmp_path, screen=(1920, 1080)) as pv:
            pv.write(np.full((48, 64, 3), value, np.uint8))
            paths.append(pv.snapshot())
    assert paths[0] != paths[1]
    assert [int(cv2.imread(str(p))[0, 0, 0]) for p in paths] == [50, 200]
    assert len(list(tmp_path.glob("livecut-*.png"))) == 2


def test_a_snapshot_is_written_to_a_temporary_name_and_moved_into_place(tmp_path, monkeypatch):
    """The PNG was written straight at its final name (livecut-...-000.png): a run killed
    mid-write, or a viewer watching the folder, met a half-written picture there. It is
    written beside it under a temporary name and linked into place whole."""
    import builtins

    import livecut.sinks.preview as pv_mod

    opened = []

    def spy(path, mode="r", *a, **kw):
        if "w" in mode or "x" in mode:
            opened.append(Path(path).name)
        return builtins.open(path, mode, *a, **kw)

    monkeypatch.setattr(pv_mod, "open", spy, raising=False)
    win = Window()
    with win.sink(SinkInfo(64, 48, 25.0), snapshot_dir=tmp_path, screen=(1920, 1080)) as pv:
        pv.write(np.full((48, 64, 3), 70, np.uint8))
        p = pv.snapshot()
    assert opened and all(name.startswith(".") and name != p.name for name in opened)
    assert int(cv2.imread(str(p))[0, 0, 0]) == 70
    assert [q.name for q in tmp_path.iterdir()] == [p.name]  # (no temporary file left)


def _snapshot_run(tmp_path, snaps: Path):
    """A run of a clip with the preview, whose s key saves one snapshot to ``snaps``: its stats."""
    from livecut.runner import run_video
    from tests.conftest import make_clip

    clip = make_clip(tmp_path / "c.mp4", n=5)
    keys = [-1, ord("s")]
    return run_video(str(clip), str(tmp_path / "o.mp4"), load_config(), preview=True, progress=False,
                     preview_options={"imshow": lambda n, i: None, "waitkey": lambda ms: keys.pop(0) if keys else -1,
                                      "destroy": lambda: None, "snapshot_dir": snaps})


def _left_snapshot(snaps: Path) -> str:
    """The warning of the one snapshot in ``snaps`` whose temporary name could not be removed."""
    (p,) = [q for q in snaps.iterdir() if not q.name.startswith(".")]
    (tmp,) = [q for q in snaps.iterdir() if q.name.startswith(f".{p.name}.livecut-")]
    return (f"{p}: written, but its temporary file {tmp}, a second name of the same file, could not be removed "
            f"({APPEND_ONLY}): remove it once the folder allows")


def test_a_snapshot_in_an_append_only_folder_says_the_temporary_file_it_keeps(tmp_path, append_only):
    """A folder made append-only (chattr +a) takes the snapshot's temporary file and its link to
    the snapshot's name, but lets neither be removed, root too: its hidden temporary name was
    left beside it, a second name of it, without a word; it is in the run's warnings (said as
    'livecut: warning:' lines at its end, as a video file's is)."""
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    append_only(snaps)
    st = _snapshot_run(tmp_path, snaps)
    assert st.warnings == [_left_snapshot(snaps)], (st.warnings, sorted(snaps.iterdir()))


def test_a_snapshot_whose_temporary_file_cannot_be_removed_says_so(tmp_path, monkeypatch):
    """As in an append-only folder where chattr cannot be had (not root, tmpfs): the removal of
    the snapshot's temporary name after its link fails with EPERM: said, the snapshot kept."""
    import errno

    real_unlink = Path.unlink

    def unlink(self, *a, **kw):
        if ".livecut-" in self.name and self.suffix == ".png":
            raise PermissionError(errno.EPERM, "Operation not permitted", str(self))
        return real_unlink(self, *a, **kw)

    snaps = tmp_path / "snaps"
    monkeypatch.setattr(Path, "unlink", unlink)
    st = _snapshot_run(tmp_path, snaps)
    assert st.warnings == [_left_snapshot(snaps)], (st.warnings, sorted(snaps.iterdir()))
    assert cv2.imread(str(next(p for p in snaps.iterdir() if not p.name.startswith(".")))) is not None


def test_a_snapshot_that_cannot_be_written_says_so(tmp_path):
    """A folder that cannot take it (read-only, full, not a folder): the window says the
    snapshot was not saved, and the run goes on (no 'saved ...', no exception out of a key)."""
    (tmp_path / "file").write_bytes(b"x")
    win = Window()
    with win.sink(SinkInfo(64, 48, 25.0), snapshot_dir=tmp_path / "file" / "sub", screen=(1920, 1080)) as pv:
        pv.write(np.full((48, 64, 3), 90, np.uint8))
        assert pv.handle_key(ord("s"))
        assert pv.snapshots == [] and pv.message.startswith("snapshot not saved")


def test_overlay_and_help_fit_a_small_window():
    """A small window (a 320x240 clip; 480x360, the smallest shown unenlarged, now): the status
    line (PAUSED, threshold...) and the help's longer lines go on as many lines as they need
    instead of being cut at the window's right edge."""
    proc = Processor(load_config())
    proc.paused = True
    win = Window()
    with win.sink(SinkInfo(480, 360, 25.0), controls=proc, stats=None, screen=(1920, 1080)) as pv:
        pv.help = True
        pv.message = ""
        pv.write(np.full((360, 480, 3), 128, np.uint8))
    shown = win.shown[-1]
    assert shown.shape[:2] == (360, 480)
    assert np.all(shown[:, -4:] == 128), "overlay text cut at the right edge"
    drawn_rows = np.flatnonzero(np.any(shown != 128, axis=(1, 2)))
    assert drawn_rows.max() < 360 - 2  # and it all fits below too
    assert drawn_rows.max() > 70 + 20 * len(HELP)  # the help took more lines than it has


@pytest.mark.parametrize("w, h", [(160, 120), (320, 240), (320, 180)])
def test_a_small_clip_is_shown_enlarged_for_its_overlay(w, h):
    """A 160x120 clip: the status lines alone filled the window (PAUSED cut at its bottom) and
    the help was not seen at all; at 320x240 with frames dropped its last line (q: quit) was
    cut.  A frame smaller than MIN_SHOWN is shown enlarged, a whole number of times (its pixels
    kept sharp), and the status, a message and the help fit; without the overlay it is not."""
    from livecut.runner import Stats

    proc = Processor(load_config())
    proc.paused = True
    st = Stats()
    st.dropped = 12
    win = Window()
    frame = np.full((h, w, 3), 128, np.uint8)
    frame[0, 0] = 0
    with win.sink(SinkInfo(w, h, 25.0), controls=proc, stats=st, screen=(1920, 1080)) as pv:
        pv.help = True
        pv._say("preview background: color:#00b140 (the output is unchanged)", 60)
        pv.write(frame)
    shown = win.shown[-1]
    k = shown.shape[1] // w
    assert shown.shape[:2] == (h * k, w * k) and (w * k >= 480 or h * k >= 360)
    assert shown[0, 0].max() == 0 and shown[k - 1, k - 1].max() == 0 and shown[k, k].max() == 128  # (sharp)
    assert np.all(shown[-3:] == 128) and np.all(shown[:, -4:] == 128), "overlay cut at an edge"
    drawn_rows = np.flatnonzero(np.any(shown != 128, axis=(1, 2)))
    assert drawn_rows.max() > 70 + 20 * len(HELP)  # the whole help, below the status and message
    win = Window()
    with win.sink(SinkInfo(w, h, 25.0), screen=(1920, 1080), overlay=False) as pv:
        pv.write(frame)
    assert win.shown[-1].shape[:2] == (h, w)


def test_keys_work_with_caps_lock_on():
    """With Caps Lock on, Q, M, H ... did nothing (the keys were compared case-sensitively)."""
    proc = Processor(load_config())
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        assert pv.handle_key(ord("H")) and pv.help
        assert pv.handle_key(ord(" ")) and proc.paused
        assert not pv.handle_key(ord("Q"))


def test_every_key_that_does_something_is_in_the_help(tmp_path):
    """h lists the keys: a key that does something and is not in the list is bound silently
    (= and _ changed the threshold, as + and - do, without a word in the help)."""
    import re

    text = " ".join(HELP)
    names = {" ": "space", "\x1b": "Esc"}
    proc = Processor(load_config())
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080), snapshot_dir=tmp_path) as pv:
        pv.write(np.full((180, 320, 3), 128, np.uint8))
        for code in [8, 9, 13, 27, *range(32, 127)]:
            ch = chr(code)
            state = lambda: (pv.help, proc.paused, proc.seg.cfg.threshold, proc.smoother.rate,
                             proc.view and (proc.view.mode, proc.view.background), len(pv.snapshots))
            before = state()
            quits = not pv.handle_key(code)
            if quits or state() != before:
                name = names.get(ch, ch.lower())  # (Caps Lock: Q as q)
                assert re.search(rf"(^|[\s(]){re.escape(name)}([\s:)]|$)", text), f"{ch!r} is not in the help"
            pv.help, proc.paused = False, False


def test_arrow_and_other_special_keys_neither_quit_nor_snapshot(tmp_path):
    """X11 codes a key that is not a character as 0xffNN (GTK's windows, Qt's too for all but
    the ASCII keys), and cv2.waitKey kept only the last byte: the left arrow (0xff51) came as
    'Q' and quit the preview, the right one (0xff53) as 'S' and saved a snapshot.  The window
    asks waitKeyEx for the whole code; Escape (0xff1b) still quits."""
    import cv2

    from livecut.sinks import preview

    proc = Processor(load_config())
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080), snapshot_dir=tmp_path) as pv:
        pv.write(np.full((180, 320, 3), 128, np.uint8))
        for code in (0xff51, 0xff53, 0xff52, 0xff54, 0xffe1, 0xffbe):  # arrows, Shift, F1
            assert pv.handle_key(code), hex(code)
        assert list(tmp_path.iterdir()) == [] and not pv.help
        threshold = proc.seg.cfg.threshold
        assert pv.handle_key(0xffab) and proc.seg.cfg.threshold > threshold  # the keypad's +
        # (GTK adds the modifiers held, << 16: Num Lock, Caps Lock)
        assert pv.handle_key(0x10ff51) and pv.handle_key(ord("h") | 0x10 << 16) and pv.help
        assert not pv.handle_key(ord("Q") | 0x12 << 16)
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        assert not pv.handle_key((ord("q") | 0x10 << 16 | 1 << 31) - (1 << 32))  # (Meta held: overflowed)
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        assert not pv.handle_key(0xff1b)  # Escape
    assert preview.PreviewSink(SinkInfo(320, 180, 25.0), imshow=lambda n, i: None)._waitkey is cv2.waitKeyEx


def test_less_smoothing_with_smoothing_off_keeps_it_off():
    """With smooth.enabled = false, [ (less smoothing) turned the smoothing on at a rate of
    0.03 (the mask averaged over ~30 frames where nothing moves: more smoothing than none);
    it stays off, and ] turns it on gently (rate 1 / 1.5), each ] then lowering the rate."""
    proc = Processor(load_config(overrides=["smooth.enabled=false"]))
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        assert pv.handle_key(ord("[")) and proc.smoother is None and proc.seg.temporal is None
        assert pv.message == "smoothing off"
        assert pv.handle_key(ord("]")) and proc.smoother is not None and proc.seg.temporal is proc.smoother
        assert proc.smoother.rate == pytest.approx(1 / 1.5)
        assert pv.handle_key(ord("]")) and proc.smoother.rate == pytest.approx(1 / 1.5 ** 2)
        assert pv.handle_key(ord("[")) and proc.smoother.rate == pytest.approx(1 / 1.5)
    proc = Processor(load_config())  # (on: [ and ] change its rate as before)
    rate = proc.smoother.rate
    assert proc.change_smoothing(1 / 1.5) == pytest.approx(rate * 1.5)


def test_a_frame_the_window_cannot_show_is_a_typed_error():
    """A preview given a frame it cannot show (None, an empty one, 2 channels, a float or
    boolean one) raised a bare AttributeError, cv2.error, ValueError or TypeError, and a 16-bit
    frame was shown wrapped to its low byte (level 1000 shown as 232); each is an ArrayError
    that says what to give, as the file and stream sinks say it, and nothing is shown."""
    from livecut.errors import ArrayError

    img = np.full((48, 64, 3), 100, np.uint8)
    win = Window()
    with win.sink(SinkInfo(64, 48, 25.0), screen=(1920, 1080), overlay=False) as pv:
        for frame in (None, img[:0], img[:, :, :2], img / 255.0, img > 0, img.astype(np.uint16) * 10):
            with pytest.raises(ArrayError, match="preview: cannot write a frame of"):
                pv.write(frame)
        assert not win.shown
        pv.write(img)
        pv.write(img[:, :, 0])
    assert len(win.shown) == 2


def test_a_cutout_is_shown_without_a_new_alpha_plane_each():
    """A cutout (BGRA) is blended over the checkerboard in buffers kept for the size: its
    alpha, a strided view, was copied into a new plane each frame for OpenCV (0.9 MB at 720p)."""
    from tests.conftest import traced_peak

    w, h = 1280, 720
    img = np.full((h, w, 4), 100, np.uint8)
    shown = []
    with PreviewSink(SinkInfo(w, h, 25.0, channels=4), imshow=lambda name, im: shown.append(im[0, 0].copy()),
                     waitkey=lambda ms: -1, destroy=lambda: None, screen=(1920, 1080), overlay=False) as pv:
        pv.write(img)
        _, peak = traced_peak(lambda: pv.write(img))
    assert peak < h * w / 8, f"{peak / (h * w):.2f} of an alpha plane made for one frame"
    checker = np.array([200, 140])  # (the checkerboard's two levels, under alpha 100)
    assert tuple(shown[-1]) in [tuple([round(100 * 100 / 255 + c * 155 / 255)] * 3) for c in checker]


@pytest.mark.parametrize("h, w", [(1, 1), (4, 1)])
def test_a_cutout_of_one_pixel_or_a_4x1_column_is_shown_as_any_other(h, w):
    """A BGRA frame of 1x1 or 4x1 was blended over the checkerboard with weights OpenCV 5.1
    left unwritten (a number beside a 1x1 array read as a scalar) or took 1 - alpha / 255 as
    (1, 0, 0, 0) - it: its pixels were shown opaque where transparent, or the checkerboard
    where opaque; they are shown as the same pixels over the checkerboard, a BGR frame, are."""
    alpha = np.array([100, 0, 200, 255][:h * w], np.uint8).reshape(h, w)
    bgra = np.zeros((h, w, 4), np.uint8)
    bgra[..., :3] = (10, 20, 30)
    bgra[..., 3] = alpha
    a = alpha[..., None] / 255
    flat = np.round(np.array((10, 20, 30)) * a + 200 * (1 - a)).astype(np.uint8)  # (the top-left square)
    shown = []
    for frame in (bgra, flat):
        with PreviewSink(SinkInfo(w, h, 25.0, channels=frame.shape[2]), imshow=lambda name, im: shown.append(im.copy()),
                         waitkey=lambda ms: -1, destroy=lambda: None, screen=(1920, 1080), overlay=False) as pv:
            pv.write(frame)
    assert np.abs(shown[0].astype(int) - shown[1]).max() <= 1, (shown[0][:, 0], shown[1][:, 0])


def test_a_rotated_video_is_shown_and_snapshot_upright(tmp_path):
    """A phone's portrait clip (stored sideways, display rotation 90) was shown, and its
    snapshots saved, sideways: they are turned upright, as a player shows the clip."""
    stored = np.zeros((240, 320, 3), np.uint8)
    stored[:, :40] = (0, 0, 255)  # the stored left edge: the bottom as it is shown
    win = Window()
    with win.sink(SinkInfo(320, 240, 25.0, rotation=90), screen=(1920, 1080), overlay=False,
                  snapshot_dir=tmp_path) as pv:
        pv.write(stored)
        snap = pv.snapshot()
    shown = win.shown[-1]
    assert shown.shape[:2] == (320, 240)
    assert tuple(shown[-1, 120]) == (0, 0, 255) and tuple(shown[0, 120]) == (0, 0, 0)
    saved = cv2.imread(str(snap))
    assert saved.shape[:2] == (320, 240) and tuple(saved[-1, 120]) == (0, 0, 255)


def test_a_window_waiting_for_frames_answers_and_says_so():
    """While a live source delivers nothing the runner calls stalled(): it answers keys and the
    close button, and once no frame came for WAITING_NOTE s shows the last one saying so
    (drawn again each second or after a key, not at every poll)."""
    from livecut.sinks.preview import WAITING_NOTE

    win, open_ = Window(keys=[-1, -1, -1, ord("h"), ord("q")]), [True]
    with win.sink(SinkInfo(320, 180, 25.0), screen=(1920, 1080), visible=lambda: open_[0]) as pv:
        pv.write(_scene())
        assert pv.stalled() and len(win.shown) == 1       # a frame late: nothing drawn again
        pv._t_prev -= WAITING_NOTE + 0.2                  # (no frame for 1.2 s)
        assert pv.stalled() and len(win.shown) == 2
        assert np.any(win.shown[1][20:60] != win.shown[0][20:60])  # the note, below the stats
        assert pv.stalled() and len(win.shown) == 2       # the same second: not drawn again
        assert pv.stalled() and pv.help and len(win.shown) == 3  # h: the help shown at once
        assert pv.stalled() is False                      # q
        open_[0] = False
        assert pv.stalled() is False                      # the window closed


def test_a_poll_before_the_window_opens_answers_nothing():
    """The runner polls a file's preview while its first frame is late (a slow read): no window
    is open yet, so there is nothing to ask the toolkit (as stalled() before one opens)."""
    win = Window(keys=[ord("q")])
    with win.sink(SinkInfo(320, 180, 25.0), screen=(1920, 1080)) as pv:
        assert pv.poll() and win.keys == [ord("q")]   # (the key is not taken)
        pv.write(_scene())
        assert pv.poll() is False                     # q, once there is a window


class _Stalling:
    """A source whose frame ``gap_at`` comes ``gap`` s late."""

    def __init__(self, live, n=6, gap_at=3, gap=0.6):
        self.live, self.n, self.gap_at, self.gap, self.i = live, n, gap_at, gap, 0
        self.info = SourceInfo(64, 48, 25.0, frames=n)

    def read(self):
        if self.i >= self.n:
            return None
        if self.i == self.gap_at:
            time.sleep(self.gap)
        self.i += 1
        return Frame(np.zeros((48, 64, 3), np.uint8), self.i - 1, pts=self.i / 25, captured_at=time.perf_counter())


class _Counting:
    main_thread = True

    def __init__(self, stalled=True):
        self.writes = self.polls = self.stalls = 0
        if stalled:
            self.stalled = self._stalled

    def write(self, image, pts=None):
        self.writes += 1

    def poll(self):
        self.polls += 1
        return True

    def _stalled(self):
        self.stalls += 1
        return True


def test_a_source_that_stalls_polls_the_window():
    """The pipeline polls its window sinks while a live source delivers nothing (stalled(),
    else poll()); while a file's frame is late, poll() (never dropped, no note of a stall)."""
    from livecut.runner import Pipeline

    ident = lambda img, need=True: (img, img)
    live, plain = _Counting(), _Counting(stalled=False)
    st = Pipeline(_Stalling(live=True), ident, [live, plain]).run()
    assert st.processed == live.writes and live.polls == live.writes
    assert live.stalls >= 5 and plain.polls >= plain.writes + 5   # (every 0.05 s of the 0.6 s)
    file = _Counting()
    st = Pipeline(_Stalling(live=False), ident, [file]).run()
    assert st.processed == file.writes == 6 and st.dropped == 0 and file.stalls == 0
    assert file.polls >= file.writes + 5


def test_after_a_quit_the_window_answers_while_the_output_is_finished():
    """After q the runner calls finishing() while the writer finishes the frames queued: keys
    are answered, and q, Esc or closing the window asks to hurry the end; a window whose
    close was the quit has nothing more to answer (it did not ask to hurry at once)."""
    win, open_ = Window(keys=[ord("q"), -1, ord("h"), 27]), [True]
    with win.sink(SinkInfo(320, 180, 25.0), screen=(1920, 1080), visible=lambda: open_[0]) as pv:
        pv.write(_scene())
        assert pv.poll() is False                  # q: the run quits
        assert pv.finishing()                      # (nothing pressed)
        assert pv.finishing() and pv.help          # keys answered
        assert pv.finishing() is False             # Esc: hurry
        open_[0] = False
        assert pv.finishing() is False             # closed meanwhile: hurry
    win, open_ = Window(), [True]
    with win.sink(SinkInfo(320, 180, 25.0), screen=(1920, 1080), visible=lambda: open_[0]) as pv:
        pv.write(_scene())
        open_[0] = False
        assert pv.poll() is False                  # closed: the run quits
        assert pv.finishing() and pv.finishing()   # (the quit already)


@pytest.mark.parametrize("mode", ["mask", "cutout"])
def test_a_background_not_there_is_not_needed_by_a_mask_and_not_shown_by_the_keys(tmp_path, mode):
    """`livecut file --mode mask -b image:missing.png` said the background is ignored, then was
    refused for it; it is not needed.  The preview's m and b keys, which show it in a composite,
    show the blur in its place, not an error that ends the run."""
    bg = f"image:{tmp_path / 'missing.png'}"
    proc = Processor(load_config(), mode=mode, background=bg)
    img = _scene()
    out, _ = proc(img)
    assert out.shape[:2] == img.shape[:2]
    seen = set()
    for _ in range(4):
        seen.add(proc.cycle_mode())
        for _ in range(5):
            proc.cycle_background()
            assert proc.redraw() is not None
    assert seen == {"composite", "cutout", "mask", "side-by-side"}
    assert proc.comp.mode == mode  # (the output as it was)


def _levels_video(path: Path, n: int = 10) -> Path:
    """A small lossless video whose frame i is flat gray 20 * i + 10."""
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, "bgr0"
        for i in range(n):
            for pk in s.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), 20 * i + 10, np.uint8), "bgr24")):
                c.mux(pk)
        for pk in s.encode():
            c.mux(pk)
    return path


@pytest.mark.parametrize("key", ["m", "b"])
def test_a_video_background_shown_by_the_preview_too_keeps_its_pace_in_the_output(tmp_path, key):
    """`-b video:clip.mp4` with a preview whose m key shows side-by-side (or whose b key came back
    round to the video): the output and the preview's view each read the background's next
    frame, so the file written played the background at twice its speed, every other frame.
    One background frame a frame, shared; a redraw while paused shows the same one again."""
    proc = Processor(load_config(), mode="composite", background=f"video:{_levels_video(tmp_path / 'bg.mkv')}")
    img = np.full((48, 64, 3), 128, np.uint8)  # flat: nothing in focus, all background
    levels = []
    for k in range(6):
        if k == 2:
            if key == "m":
                while proc.cycle_mode() != "side-by-side":
                    pass
            else:
                while not proc.cycle_background().startswith("video:"):
                    pass
            assert proc.view is not None and proc.view.takes_bg_frame
        out, view = proc(img)
        levels.append(int(out[24, 32, 0]))
        assert int(view[24, -1, 0]) == levels[-1]  # (the view's composite: the same frame)
    assert levels == [10, 30, 50, 70, 90, 110]
    proc.paused = True
    assert int(proc.redraw()[24, -1, 0]) == 110
    proc.paused = False
    assert int(proc(img)[0][24, 32, 0]) == 130


def test_an_unreadable_video_background_not_needed_by_a_mask_is_the_blur_where_the_keys_show_it(tmp_path):
    """`livecut file --mode mask -b video:broken.mp4 --preview` says the background is ignored;
    the preview's m key (side-by-side), and its b key come round to the video, showed it, and the
    video, opened at the next frame, was an error that ended the run. The blur is shown in its
    place, as for a picture that cannot be read."""
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(200))
    proc = Processor(load_config(), mode="mask", background=f"video:{broken}")
    img = _scene()
    proc(img)
    assert proc.cycle_mode() == "side-by-side"
    assert proc.view.background.kind == "blur"
    out, view = proc(img)
    assert out.shape == img.shape[:2] and view.shape == (img.shape[0], 2 * img.shape[1], 3)
    while proc.cycle_background() != "transparent":
        pass
    assert proc.cycle_background() == "blur"  # (round to the video: not readable)
    assert proc.view.background.kind == "blur"
    proc(img)
    assert proc.redraw() is not None


@pytest.mark.parametrize("given, said", [("red", "color:#ff0000"), ("#00ff00", "color:#00ff00"),
                                         ("color:#FF0000", "color:#ff0000"), ("none", None)])
def test_the_b_key_goes_round_the_backgrounds_from_a_colour_given_bare(given, said):
    """`livecut file ... -b red --preview` (a colour also bare, as the README gives it: `-b green`,
    `-b '#00b140'`), or in capitals, or `-b none`: the b key showed that background again at
    every press (it was kept as written, and not found again among the key's backgrounds)."""
    proc = Processor(load_config(), mode="composite", background=given)
    shown = [proc.cycle_background() for _ in range(5 if said else 4)]
    assert shown[:4] == ["blur", "color:#00b140", "color:#ffffff", "transparent"]
    if said:
        assert shown[4] == said
    assert proc.comp.background == Processor(load_config(), background=given).comp.background  # (the output's)


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_a_snapshot_not_saved_names_the_temporary_file_it_cannot_remove(tmp_path, monkeypatch, unremovable, how):
    """In a folder that lets no name be removed (append-only), a snapshot whose write failed part
    way (the disk full) was said not saved in the window, but its part written stayed under its
    hidden temporary name, without a word. The sink's warnings (said at the run's end) name it."""
    import errno

    from livecut.sinks import preview

    full_open = open_that_stops(OSError(errno.ENOSPC, "No space left on device"))

    snaps = tmp_path / "snaps"
    snaps.mkdir()
    unremovable(how, snaps)
    monkeypatch.setattr(preview, "open", full_open, raising=False)
    win = Window()
    with win.sink(SinkInfo(64, 48, 25.0), snapshot_dir=snaps, screen=(1920, 1080)) as pv:
        pv.write(np.full((48, 64, 3), 90, np.uint8))
        assert pv.handle_key(ord("s"))
        assert pv.snapshots == [] and pv.message.startswith("snapshot not saved")
    (kept,) = list(snaps.iterdir())
    assert pv.warnings == [f"{kept}: the temporary file of snapshot {snaps / kept.name[1:kept.name.index('.png.livecut-') + 4]} "
                           f"could not be removed ({APPEND_ONLY}): remove it once the folder allows"], pv.warnings


def test_a_threshold_key_keeps_what_the_segmenter_learnt():
    """+ / - changed the threshold by making a new segmenter: the networks loaded again (a hitch)
    and what it had learnt of the video lost (its counts for the run's summary, its colour matrix,
    its soft/noisy network choice, the black bars); now only the threshold changes."""
    proc = Processor(load_config())
    img = _scene()
    proc(img)
    seg = proc.seg
    seg.matrix = "bt709"
    seg.method.judged_soft = 3
    win = Window()
    with win.sink(SinkInfo(320, 180, 25.0), controls=proc, screen=(1920, 1080)) as pv:
        pv.write(proc(img)[1])
        assert pv.handle_key(ord("+"))
    assert proc.seg is seg and seg.cfg.threshold == pytest.approx(load_config().segment.threshold + 0.05)
    assert seg.method.cfg.threshold == seg.cfg.threshold
    assert seg.matrix == "bt709" and proc.counts()[1] == 3
    assert proc.smoother is seg.temporal


@pytest.mark.parametrize("key", ["+", "-"])
def test_threshold_keys_redraw_a_paused_frame(key):
    """While paused, + / - changed the threshold with nothing seen until the run went on: the
    paused frame is now cut again at the new threshold (the run's smoother left as it was)."""
    with _paused_preview() as (proc, win, pv):
        before = proc.alpha.copy()
        shown = win.shown[-1][60:, :].astype(int)
        smoothed = {k: v.copy() for k, v in vars(proc.smoother).items() if isinstance(v, np.ndarray)}
        for _ in range(6):  # (0.3 from where it was)
            assert pv.handle_key(ord(key))
        pv.idle()
        after = win.shown[-1][60:, :].astype(int)
    changed = np.abs(proc.alpha.astype(int) - before).mean()
    assert changed > 1, "the paused frame's cut did not follow the threshold"
    assert np.abs(after - shown).mean() > 0.5, "the paused picture did not change"
    assert smoothed and [k for k, v in smoothed.items() if getattr(proc.smoother, k).tobytes() != v.tobytes()] == []
