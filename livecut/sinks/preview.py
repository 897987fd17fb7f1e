"""Preview window (OpenCV HighGUI) with an fps/latency overlay and keyboard controls.

Keys: ``q``/Esc quit, space pause, ``m`` cycle mode, ``b`` cycle background,
``+``/``-`` (or ``=``/``_``) threshold, ``[``/``]`` less/more smoothing, ``s`` snapshot PNG,
``h``/``?`` help.  Mode and background change this window only (the output keeps
the ones it started with; while paused the shown frame is redrawn); threshold and
smoothing change the segmentation, so the output too.

A frame larger than the screen is shown scaled down to fit (``screen_size()``;
``LIVECUT_SCREEN=WxH`` overrides what is detected); with the overlay, one smaller than
``MIN_SHOWN`` is shown enlarged (whole times) so that the status and the help fit.

Closing the window (its close button, the window manager) quits as ``q`` does.  After the
quit, while the output's writer finishes the frames queued, the window keeps answering: ``q``,
Esc or closing it then hurries the end (the frame being encoded is the last; the output is
still finalized).

While a live source delivers no frame (a camera's hiccup, a stalled stream) the window keeps
answering (keys, its close button) and, after ``WAITING_NOTE`` seconds, shows its last frame
saying how long it has waited.

The window functions are injectable (``imshow``, ``waitkey``, ``destroy``, ``visible``) so the
sink is testable without a display; on a machine without one, opening the
preview raises :class:`DisplayUnavailable` (exit 2: the user's to fix) with one clear line
instead of letting the GUI toolkit abort the process.
"""

from __future__ import annotations

import logging
import math
import os
import re
import select
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from livecut.atomic import commit, discard, temp_path
from livecut.config import VideoConfig
from livecut.errors import DisplayUnavailable, OutputExistsError, WriteError
from livecut.sinks import register_sink
from livecut.sinks.base import SinkInfo, check_frame
from livecut.frames import Upright, blend_weights

log = logging.getLogger("livecut")

WINDOW = "livecut"
#: share of the screen the window may take (room for its title bar, the taskbar)
SCREEN_FILL = (0.92, 0.85)
#: screen size assumed when it cannot be detected
DEFAULT_SCREEN = (1920, 1080)
#: the smallest window the overlay (the status lines, the keys' help) fits: a smaller frame
#: (a 160x120 or 320x240 clip) is shown enlarged, a whole number of times, towards it
MIN_SHOWN = (480, 360)
#: seconds without a new frame after which the window says it is waiting for one (above the
#: time between two frames of a slow camera: a camera in low light gives 5 fps)
WAITING_NOTE = 1.0

HELP = (  # one statement a line: the overlay's font is proportional, columns would not line up
    "h or ?: this help",
    "space: pause / resume",
    "m: next mode, b: next background (this window only, not the output)",
    "+ / - (or = / _): threshold, [ / ]: less / more smoothing (the window and the output)",
    "s: snapshot PNG of the window's frame",
    "q or Esc: quit (the output is finalized)",
)


def display_problem() -> str | None:
    """Why no window can be opened here (None: one can, as far as can be told).

    OpenCV must have been built with window support (a headless build, such as
    opencv-python-headless installed over opencv-python, fails at the first frame shown).
    On Linux a ``DISPLAY`` must be set and answer (an SSH session whose X forwarding
    died, a container that inherited the variable: OpenCV's Qt aborts the whole process
    when it cannot connect), or a ``WAYLAND_DISPLAY`` whose socket exists."""
    if not opencv_has_windows():
        return ("this OpenCV is a build without windows, opencv-python-headless?: "
                "pip install --force-reinstall opencv-python")
    if not sys.platform.startswith("linux"):
        return None
    asked = os.environ.get("QT_QPA_PLATFORM", "").strip()
    platforms = _qt_platforms()
    if asked and platforms is not None and not any(
            name.split(":")[0].strip().split("-")[0] in {have.split("-")[0] for have in platforms}
            for name in asked.split(";")):
        # (a Wayland desktop's QT_QPA_PLATFORM=wayland, opencv-python's Qt with its X plugin
        # alone: Qt aborted the whole process at the first window, exit 134, "Could not find
        # the Qt platform plugin", a camera turned on first)
        return (f"QT_QPA_PLATFORM={asked} names no platform this OpenCV's windows (Qt) have "
                f"({', '.join(sorted(platforms)) or 'none'}): run it with "
                + ("QT_QPA_PLATFORM=xcb" if "xcb" in platforms else "QT_QPA_PLATFORM unset"))
    display = os.environ.get("DISPLAY")
    wayland = os.environ.get("WAYLAND_DISPLAY")
    if display:
        if _x11_connects(display) is False:
            return f"cannot connect to the X display {display!r} (DISPLAY)"
        return None
    if wayland:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if not os.path.isabs(wayland) and not runtime:
            return "WAYLAND_DISPLAY is set, XDG_RUNTIME_DIR is not"
        sock = Path(wayland) if os.path.isabs(wayland) else Path(runtime) / wayland
        if not sock.exists():
            return f"no Wayland display at {str(sock)!r} (WAYLAND_DISPLAY)"
        if platforms is not None and not any(name.startswith("wayland") for name in platforms):
            # (opencv-python's Qt has its X plugin only: Qt aborted the whole process, exit 134,
            # "could not connect to display", a camera turned on first)
            return ("WAYLAND_DISPLAY is set but DISPLAY is not, and this OpenCV's windows (Qt) "
                    "open on X only: set DISPLAY to the session's Xwayland display, e.g. DISPLAY=:0")
        return None
    return "DISPLAY is not set"


def _qt_platforms() -> set[str] | None:
    """The Qt platform plugins this OpenCV's windows can use ('xcb', 'wayland-egl', ...), by their
    files in the folder it points Qt to (opencv-python's wheel: QT_QPA_PLATFORM_PLUGIN_PATH, its
    platforms/libqxcb.so alone); None where not known (GTK windows, a Qt of the system's)."""
    gui = next((line.partition(":")[2].strip() for line in cv2.getBuildInformation().splitlines()
                if line.strip().startswith("GUI:")), "")
    folder = Path(os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH") or "/nonexistent") / "platforms"
    if not gui.upper().startswith("QT") or not folder.is_dir():
        return None
    return {f.name[len("libq"):].split(".")[0] for f in folder.iterdir() if f.name.startswith("libq")}


def opencv_has_windows() -> bool:
    """Whether this OpenCV was built with a window backend (its build information's ``GUI:``
    line says ``NONE`` in a headless build; one that says nothing is taken as having one)."""
    for line in cv2.getBuildInformation().splitlines():
        key, _, value = line.strip().partition(":")
        if key == "GUI":
            return value.strip().upper() != "NONE"
    return True


def check_display() -> None:
    """:class:`DisplayUnavailable` (exit 2) when no window can be opened here (see
    :func:`display_problem`)."""
    problem = display_problem()
    if problem:
        # (not "--preview": `livecut cam 0` and `livecut run 0` show it without being asked)
        raise DisplayUnavailable(f"the preview window (--preview) needs a display, and none is available "
                                f"({problem}); write a file with -o or send to a virtual camera with "
                                "--vcam instead")


def x11_connection_gone(display: str):
    """A function telling whether this process's connection to X display ``display`` -- the
    one OpenCV's Qt opened for the window (the process's socket whose peer is that display's) --
    was closed by the display's end (its server ended: an Xvfb, a remote desktop's session; an
    SSH session's X forwarding closed).  Asked before each window call, so cheap: a poll of
    that socket, no X request.  None where no such connection is found (not Linux, a Wayland
    window, a display named otherwise): not asked."""
    import socket

    m = re.fullmatch(r"([^:/]*)(?:/unix)?:(\d+)(?:\.\d+)?", display or "")
    if not m or not sys.platform.startswith("linux") or not hasattr(select, "POLLRDHUP"):
        return None
    host, n = m.group(1), int(m.group(2))
    if host in ("", "unix"):
        peers = {f"\0/tmp/.X11-unix/X{n}", f"/tmp/.X11-unix/X{n}"}
    else:
        try:
            peers = {(info[4][0], 6000 + n) for info in socket.getaddrinfo(host, 6000 + n, type=socket.SOCK_STREAM)}
        except OSError:
            return None
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for name in fds:
        try:
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            with socket.socket(fileno=os.dup(int(name))) as sock:
                peer = sock.getpeername()
        except (OSError, ValueError):
            continue
        if isinstance(peer, bytes):
            peer = peer.decode("utf-8", "replace")
        if isinstance(peer, tuple):
            peer = peer[:2]
        if peer in peers:
            fd = int(name)
            poller = select.poll()
            poller.register(fd, select.POLLRDHUP)

            def gone(wait_ms: int = 0) -> bool:
                # (waits up to wait_ms for the display to close it: woken at once when it does)
                return any(ev & (select.POLLRDHUP | select.POLLHUP | select.POLLERR | select.POLLNVAL)
                           for _, ev in poller.poll(wait_ms))
            return gone
    return None


def _x11_connects(display: str) -> bool | None:
    """Whether X display ``display`` accepts a connection (None: Xlib is not at hand to try)."""
    import ctypes
    import ctypes.util

    lib = ctypes.util.find_library("X11")
    if not lib:
        return None
    try:
        x11 = ctypes.CDLL(lib)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        dpy = x11.XOpenDisplay(display.encode())
        if not dpy:
            return False
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x11.XCloseDisplay(dpy)
        return True
    except (OSError, AttributeError):
        return None


def screen_size() -> tuple[int, int] | None:
    """Size of the (primary) screen in pixels, or None when unknown."""
    env = os.environ.get("LIVECUT_SCREEN", "")
    if env:
        try:
            w, h = (int(v) for v in env.lower().split("x"))
            return (w, h) if w > 0 and h > 0 else None
        except ValueError:
            return None
    try:
        if sys.platform.startswith("linux") and os.environ.get("DISPLAY"):
            return _x11_screen()
        if sys.platform == "win32":
            import ctypes

            user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            user32.SetProcessDPIAware()
            return int(user32.GetSystemMetrics(0)), int(user32.GetSystemMetrics(1))
        if sys.platform == "darwin":
            return _mac_screen()
    except (OSError, AttributeError, ValueError):
        return None
    return None


#: CoreGraphics, where every macOS has it
CORE_GRAPHICS = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"


def _mac_screen() -> tuple[int, int] | None:
    """The main display's size in points (what a window's size is counted in: a Retina
    display that looks like 1440x900 says 1440x900), via CoreGraphics and ctypes."""
    import ctypes

    cg = ctypes.CDLL(CORE_GRAPHICS)
    cg.CGMainDisplayID.restype = ctypes.c_uint32
    cg.CGDisplayPixelsWide.argtypes = cg.CGDisplayPixelsHigh.argtypes = [ctypes.c_uint32]
    cg.CGDisplayPixelsWide.restype = cg.CGDisplayPixelsHigh.restype = ctypes.c_size_t
    display = cg.CGMainDisplayID()
    w, h = int(cg.CGDisplayPixelsWide(display)), int(cg.CGDisplayPixelsHigh(display))
    return (w, h) if w > 0 and h > 0 else None


def _x11_screen() -> tuple[int, int] | None:
    """The primary monitor (XRandR), else the whole X screen (Xlib), via ctypes."""
    import ctypes
    import ctypes.util

    lib = ctypes.util.find_library("X11")
    if not lib:
        return None
    x11 = ctypes.CDLL(lib)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    dpy = x11.XOpenDisplay(None)
    if not dpy:
        return None
    try:
        x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
        x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        scr = x11.XDefaultScreen(dpy)
        size = (int(x11.XDisplayWidth(dpy, scr)), int(x11.XDisplayHeight(dpy, scr)))
        xrandr = ctypes.util.find_library("Xrandr")
        if xrandr:
            class Monitor(ctypes.Structure):
                _fields_ = [("name", ctypes.c_ulong), ("primary", ctypes.c_int), ("automatic", ctypes.c_int),
                            ("noutput", ctypes.c_int), ("x", ctypes.c_int), ("y", ctypes.c_int),
                            ("width", ctypes.c_int), ("height", ctypes.c_int), ("mwidth", ctypes.c_int),
                            ("mheight", ctypes.c_int), ("outputs", ctypes.c_void_p)]

            xr = ctypes.CDLL(xrandr)
            xr.XRRGetMonitors.restype = ctypes.POINTER(Monitor)
            xr.XRRGetMonitors.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int,
                                          ctypes.POINTER(ctypes.c_int)]
            xr.XRRFreeMonitors.argtypes = [ctypes.POINTER(Monitor)]
            n = ctypes.c_int(0)
            mons = xr.XRRGetMonitors(dpy, x11.XDefaultRootWindow(dpy), 1, ctypes.byref(n))
            if mons and n.value > 0:
                pick = next((mons[i] for i in range(n.value) if mons[i].primary), mons[0])
                if pick.width > 0 and pick.height > 0:
                    size = (int(pick.width), int(pick.height))
            if mons:
                xr.XRRFreeMonitors(mons)
        return size
    finally:
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x11.XCloseDisplay(dpy)


def fit_scale(width: int, height: int, screen: tuple[int, int] | None, enlarge: bool = False) -> float:
    """Scale (<= 1) that makes a width x height frame fit the usable part of the screen;
    ``enlarge``: a frame smaller than :data:`MIN_SHOWN` is enlarged a whole number of times
    towards it, as far as the screen allows (room for the overlay's lines)."""
    sw, sh = screen or DEFAULT_SCREEN
    fit = min(sw * SCREEN_FILL[0] / max(1, width), sh * SCREEN_FILL[1] / max(1, height))
    if fit < 1.0:
        return fit
    if enlarge:
        up = math.ceil(max(MIN_SHOWN[0] / max(1, width), MIN_SHOWN[1] / max(1, height)))
        return float(max(1, min(up, int(fit))))
    return 1.0


def draw_text(img: np.ndarray, text: str, org: tuple[int, int], color=(255, 255, 255),
              scale: float = 0.5) -> None:
    """White (or ``color``) text on a darkened box: legible on any picture, and the box
    follows the text's own metrics (a thicker 'shadow' pass is wider under OpenCV 5)."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, scale, 1)
    x, y = org
    x0, y0 = max(0, x - 4), max(0, y - th - 4)
    x1, y1 = min(img.shape[1], x + tw + 4), min(img.shape[0], y + base + 3)
    if x1 > x0 and y1 > y0:
        roi = img[y0:y1, x0:x1]
        np.right_shift(roi, 2, out=roi)  # a quarter of the brightness
    cv2.putText(img, text, (x, y), font, scale, color, 1, cv2.LINE_AA)


def wrap(words: list[str], sep: str, width: int, scale: float = 0.5) -> list[str]:
    """``words`` joined by ``sep`` in lines of at most ``width`` pixels (a word wider than
    that stays on a line of its own)."""
    lines: list[str] = []
    for word in words:
        joined = f"{lines[-1]}{sep}{word}" if lines else word
        if lines and cv2.getTextSize(joined, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


class PreviewSink:
    """Shows frames in a window; drives the keyboard controls of a :class:`~livecut.runner.Processor`."""

    main_thread = True

    def __init__(self, info: SinkInfo, *, controls=None, stats=None, imshow=None, waitkey=None,
                 destroy=None, visible=None, snapshot_dir: str | Path = ".", overlay: bool = True,
                 screen: tuple[int, int] | None = None, display_checked: bool = False, others: bool = False):
        self.info = info
        #: the run writes elsewhere too (a file, a stream, a virtual camera): a window that fails
        #: once it has worked (its display gone mid-run) is let go and the run goes on without
        #: it, instead of ending on the failure and discarding what was recorded (see _let_go)
        self.others = others
        #: why the window was let go (None while it works)
        self.lost: str | None = None
        self._worked = False  # (a frame shown and the keys read once: the window did work)
        self._shown = 0
        self.controls = controls
        self.stats = stats
        self.overlay = overlay
        self.snapshot_dir = Path(snapshot_dir)
        self.snapshots: list[Path] = []
        #: what the run is told at its end (a snapshot's temporary name that stayed beside it)
        self.warnings: list[str] = []
        self.message = ""
        self._message_until = 0.0
        self._last: np.ndarray | None = None
        self._idle_view: np.ndarray | None = None  # (_last ready for the screen, while paused)
        self._buf: np.ndarray | None = None
        self._t_prev: float | None = None
        self._noted: tuple = ()  # (the wait last drawn by stalled: the frame's time, whole seconds)
        self._fps = 0.0
        injected = imshow is not None
        if not injected and not display_checked:  # (run_video asks before its source opens)
            check_display()
        if not injected:
            _quiet_qt_fonts()
        self._imshow = imshow or cv2.imshow
        #: whether the window's X connection was closed by the display (None: not asked; found
        #: once the window opened: see _display_gone)
        self._probe = None
        self._probe_found = injected
        # (waitKeyEx: the whole key code -- waitKey keeps its last byte, where an arrow key's
        # X11 code ends in a letter's: see key_char)
        self._waitkey = waitkey or cv2.waitKeyEx
        self._destroy = destroy or (lambda: cv2.destroyWindow(WINDOW))
        # (an injected window is not a real one: it stays open unless ``visible`` says otherwise)
        self._visible = visible or ((lambda: True) if injected else _window_visible)
        self._open = False
        #: the user closed the window (a quit answered already: see finishing)
        self._gone = False
        self.help = False
        if screen is None and not injected:
            screen = screen_size()
        self.screen = screen
        self.scale = 1.0
        self._small: np.ndarray | None = None
        #: a phone's portrait clip (stored sideways) is shown, and snapshot, upright
        self._upright = Upright(info.rotation)
        self._say("h: help", 4.0)

    def __enter__(self) -> "PreviewSink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- drawing
    def _display(self, image: np.ndarray) -> np.ndarray:
        """BGR copy of ``image`` for the screen (gray -> BGR, BGRA over a checkerboard), scaled
        as :func:`fit_scale` says: a large frame is reduced first, then converted (the blend of
        a 4K cutout over the checkerboard, at its full size, was most of the time it took)."""
        h, w = image.shape[:2]
        self.scale = s = fit_scale(w, h, self.screen, enlarge=self.overlay)
        if s < 1.0:  # a frame larger than the screen: shown scaled to fit
            image = self._reduce(image, (max(1, int(w * s)), max(1, int(h * s))))
            if image.ndim == 3 and image.shape[2] == 3:
                return image  # (a buffer of ours already)
        out = self._bgr_of(image)
        if s > 1.0:  # a small one enlarged, its pixels kept sharp
            size = (w * int(s), h * int(s))
            return cv2.resize(out, size, dst=self._buffer("_small", (size[1], size[0], 3)),
                              interpolation=cv2.INTER_NEAREST)
        return out

    def _reduce(self, image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """``image`` reduced to ``size`` (its channels kept), in a buffer of ours: a whole
        number of times by averaging first (INTER_AREA's fast path; at another factor it is a
        general filter, ten times slower: 200 ms a 4K frame shown at 1632x918), the rest
        bilinearly (a factor between 1/2 and 1)."""
        h, w = image.shape[:2]
        k = min(w // size[0], h // size[1])
        if k >= 2:
            image = image[:h - h % k, :w - w % k]  # (a whole factor: up to k-1 pixels of the edge left out)
            image = cv2.resize(image, (image.shape[1] // k, image.shape[0] // k), dst=self._buffer(
                "_half", (image.shape[0] // k, image.shape[1] // k) + image.shape[2:]), interpolation=cv2.INTER_AREA)
        return cv2.resize(image, size, dst=self._buffer("_reduced", (size[1], size[0]) + image.shape[2:]),
                          interpolation=cv2.INTER_LINEAR)

    def _buffer(self, name: str, shape: tuple) -> np.ndarray:
        """The uint8 buffer kept as attribute ``name``, of ``shape`` (made anew for another)."""
        buf = getattr(self, name, None)
        if buf is None or buf.shape != shape:
            buf = np.empty(shape, np.uint8)
            setattr(self, name, buf)
        return buf

    def _bgr_of(self, image: np.ndarray) -> np.ndarray:
        """BGR copy of ``image``: gray -> BGR, BGRA over a checkerboard (16-pixel squares)."""
        h, w = image.shape[:2]
        if self._buf is None or self._buf.shape[:2] != (h, w):
            self._buf = np.empty((h, w, 3), np.uint8)
            yy, xx = np.mgrid[0:h, 0:w]
            self._checker = np.where(((yy // 16 + xx // 16) % 2)[:, :, None] == 0, 200, 140).astype(np.uint8)
            self._checker = np.ascontiguousarray(np.repeat(self._checker, 3, axis=2))
            self._bgr = np.empty((h, w, 3), np.uint8)
            self._w_fg = np.empty((h, w), np.float32)
            self._w_bg = np.empty((h, w), np.float32)
            self._alpha = np.empty((h, w), np.uint8)
        out = self._buf
        if image.ndim == 2:
            cv2.cvtColor(image, cv2.COLOR_GRAY2BGR, dst=out)
        elif image.shape[2] == 4:  # over the checkerboard, in the buffers above
            # (the alpha taken out into a plane of ours: OpenCV copied the strided
            # image[:, :, 3] into a new one each frame)
            cv2.extractChannel(image, 3, dst=self._alpha)
            blend_weights(self._alpha, self._w_fg, self._w_bg)
            cv2.cvtColor(image, cv2.COLOR_BGRA2BGR, dst=self._bgr)
            cv2.blendLinear(self._bgr, self._checker, self._w_fg, self._w_bg, dst=out)
        else:
            np.copyto(out, image)
        return out

    def _draw_overlay(self, img: np.ndarray, note: str = "") -> None:
        st = self.stats
        parts = [f"{self._fps:4.1f} fps"]
        if st is not None:
            parts.append(f"latency {st.latency_ms:3.0f} ms")
            parts.append(f"proc {st.process_ms_mean:4.1f} ms")
            if st.dropped:
                parts.append(f"{st.dropped} dropped")
        c = self.controls
        if c is not None:
            v = c.view or c.comp
            parts.append(f"{v.mode}")
            parts.append(f"thr {c.seg.cfg.threshold:.2f}")
            if c.smoother is not None:
                parts.append(f"smooth {c.smoother.rate:.2f}")
            if c.paused:
                parts.append("PAUSED")
        if self.scale != 1.0:
            parts.append(f"shown at {self.scale:.0%}")
        width = img.shape[1] - 16  # a line that does not fit a small window goes on the next one
        y = 20
        for line in wrap(parts, "  ", width):
            draw_text(img, line, (8, y))
            y += 22
        if note:  # (a live source that delivers nothing: see stalled)
            for line in wrap(note.split(" "), " ", width):
                draw_text(img, line, (8, y), color=(0, 255, 255))
                y += 22
        if self.message and time.perf_counter() < self._message_until:
            for line in wrap(self.message.split(" "), " ", width):
                draw_text(img, line, (8, y), color=(0, 255, 255))
                y += 22
        if self.help:
            y = max(y + 6, 70)
            for line in HELP:
                for part in wrap(line.split(" "), " ", width):
                    draw_text(img, part, (8, y))
                    y += 20

    def _show(self, img: np.ndarray) -> None:
        if self.lost is not None or self._display_gone():
            return
        try:
            self._imshow(WINDOW, img)
        except cv2.error as exc:
            self._failed(exc)
            return
        self._open = True

    def _key(self, ms: int) -> int:
        """The key pressed within ``ms`` (-1: none); OpenCV's window failing (no display after
        all) is a :class:`DisplayUnavailable`, as :meth:`_show` says it (it was an internal
        error with a traceback)."""
        if self.lost is not None or self._display_gone():
            return -1
        if ms > 1 and self._probe is not None:
            # (the wait spent here, not in Qt: a display gone meanwhile is let go before Qt ends
            # the process at it -- paused, nearly all the time was Qt's wait)
            if self._display_gone(ms - 1):
                return -1
            ms = 1
        try:
            key = self._waitkey(ms)
        except cv2.error as exc:
            self._failed(exc)
            return -1
        self._worked = self._worked or self._open
        return key

    def _failed(self, exc: cv2.error) -> None:
        """OpenCV's window failed: see :meth:`_give_up`."""
        text = _window_text(exc)
        self._give_up(f"OpenCV's window failed: {text}", f"OpenCV's window failed ({text})")

    def _give_up(self, why: str, error: str) -> None:
        """The window failed (``why``): :class:`DisplayUnavailable`, "preview needs a display:
        ``error``" (the run ends: exit 2), unless the window worked before and the run writes
        elsewhere too (:attr:`others`): then it is let go (:meth:`_let_go`)."""
        if not (self.others and self._worked):
            raise DisplayUnavailable(f"preview needs a display: {error}") from None
        self._let_go(why)

    def _display_gone(self, wait_ms: int = 0) -> bool:
        """Whether the window's X display went away since it was opened (asked before each
        call into OpenCV's window: Qt raises nothing there, it ends the process, exit(1),
        "The X11 connection broke", at the next one).  A display gone is let go as
        :meth:`_failed` lets a failed window go -- or ends the run, DisplayUnavailable -- and
        Qt is not called again (not even to destroy the window).  ``wait_ms``: waited for it
        first (woken at once when it goes)."""
        if not self._open:
            return False
        if not self._probe_found:
            self._probe_found = True
            self._probe = x11_connection_gone(os.environ.get("DISPLAY", ""))
            if self._probe is not None and self._probe():  # (closed already as the window opened?)
                self._probe = None
        if self._probe is None or not self._probe(wait_ms):
            return False
        self._open = False
        why = f"its X display {os.environ.get('DISPLAY', '')} is gone"
        self._give_up(why, why)
        return True

    def _let_go(self, why: str) -> None:
        """Go on without the window (its display gone mid-run: a remote desktop or an X
        forwarding that dropped): the recording, stream or virtual camera goes on, the run
        ends as it would without a preview (a file at its end, a camera or stream on Ctrl-C).
        Said at once on livecut's log and in the run's warnings; a pause is lifted (no window
        is left to resume it from)."""
        self.lost = why
        self._open = False
        c = self.controls
        if c is not None and getattr(c, "paused", False):
            c.paused = False
        log.warning("the preview window failed (%s): the run goes on without it", why)
        if self.stats is not None:
            self.stats.warnings.append(f"the preview window failed after {self._shown} frame"
                                       f"{'s' if self._shown != 1 else ''} ({why}); the run went on without it")

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        # (None, an empty, 2-channel or float frame: a bare AttributeError, cv2.error, ValueError
        # or TypeError; a 16-bit one was shown wrapped to its low byte)
        check_frame(image, "preview")
        if self.lost is not None:
            return
        now = time.perf_counter()
        if self._t_prev is not None:
            dt = now - self._t_prev
            if dt > 0:
                self._fps = 0.9 * self._fps + 0.1 / dt if self._fps else 1.0 / dt
        self._t_prev = now
        image = self._upright(image)
        img = self._display(image)
        self._last = image
        self._idle_view = None
        if self.overlay:
            self._draw_overlay(img)
        self._show(img)
        if self.lost is None:
            self._shown += 1

    # ---- keys
    def _say(self, text: str, seconds: float = 1.5) -> None:
        self.message = text
        self._message_until = time.perf_counter() + seconds

    def _redraw(self) -> None:
        """While paused, show the frame again in the preview's new mode/background/threshold."""
        c = self.controls
        redraw = getattr(c, "redraw", None)
        if c is not None and c.paused and redraw is not None:
            view = redraw()
            if view is not None:
                self._last = self._upright(view).copy()
                self._idle_view = None

    def handle_key(self, key: int) -> bool:
        """Apply one key; False means quit."""
        ch = key_char(key)
        if ch is None:
            return True
        c = self.controls
        if ch in ("q", "\x1b"):
            return False
        if ch == "s":
            self.snapshot()
        elif ch in ("h", "?"):
            self.help = not self.help
        elif c is None:
            return True
        elif ch == " ":
            c.paused = not c.paused
        elif ch == "m":
            self._say(f"preview mode: {c.cycle_mode()} (the output is unchanged)", 2.5)
            self._redraw()
        elif ch == "b":
            bg = c.cycle_background()
            mode = (c.view or c.comp).mode
            shown = f"not shown in {mode} mode" if mode in ("mask", "cutout") else "the output is unchanged"
            self._say(f"preview background: {bg} ({shown})", 2.5)
            self._redraw()
        elif ch in ("+", "="):
            self._say(f"threshold {c.change_threshold(+0.05):.2f}")
            self._redraw()
        elif ch in ("-", "_"):
            self._say(f"threshold {c.change_threshold(-0.05):.2f}")
            self._redraw()
        elif ch == "]":
            self._say(f"smoothing rate {c.change_smoothing(1.5):.2f}")
        elif ch == "[":
            rate = c.change_smoothing(1 / 1.5)
            self._say(f"smoothing rate {rate:.2f}" if c.smoother is not None else "smoothing off")
        return True

    def _closed(self) -> bool:
        """Whether the user closed the window (the next imshow would open a new one)."""
        if self._open and not self._visible():
            self._gone = True
            return True
        return False

    def poll(self) -> bool:
        """Answer keys and the close button (False means quit): after each frame, and while a
        file's frame is late or waits for the writer."""
        if not self._open:  # (no window yet, the first frame to come: nothing to answer for)
            return True
        return self.handle_key(self._key(1)) and not self._closed()

    def stalled(self) -> bool:
        """While a live source delivers no frame: answer keys and the close button (False
        means quit) and, once none came for WAITING_NOTE s, show the last frame saying so."""
        if not self._open:  # (no window yet: nothing to answer for)
            return True
        key = self._key(1)
        if not self.handle_key(key) or self._closed():
            return False
        if self._last is None or self._t_prev is None or not self.overlay:
            return True
        waited = time.perf_counter() - self._t_prev
        noted = (self._t_prev, int(waited))  # (drawn again each second, and after a key)
        if waited >= WAITING_NOTE and (noted != self._noted or key != -1):
            self._noted = noted
            img = self._display(self._last)
            self._draw_overlay(img, note=f"waiting for frames: none for {int(waited)} s")
            self._show(img)
        return True

    def finishing(self) -> bool:
        """After a quit, while the writer finishes the frames queued (a slow encoder: seconds):
        answer keys and the close button; False (q or Esc again, the window closed now) asks
        to hurry the end.  A window its user closed already (the quit) has nothing to answer."""
        if not self._open or self._gone:
            return True
        return self.handle_key(self._key(1)) and not self._closed()

    def idle(self) -> bool:
        """While paused: keep the window alive and answer keys."""
        if self.lost is not None:
            return True
        if self._last is not None:
            # (the frame made ready for the screen once, not every 30 ms: a 4K one costs 40 ms)
            if self._idle_view is None:
                self._idle_view = self._display(self._last).copy()
            img = self._idle_view.copy()
            if self.overlay:
                self._draw_overlay(img)
            self._show(img)
        return self.handle_key(self._key(30)) and not self._closed()

    def snapshot(self) -> Path | None:
        if self._last is None:
            return None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        png = cv2.imencode(".png", self._last)[1].tobytes()
        n = len(self.snapshots)
        try:
            self.snapshot_dir.mkdir(parents=True, exist_ok=True)
            while True:  # another run's snapshot of the same second is not overwritten
                p = self.snapshot_dir / f"livecut-{stamp}-{n:03d}.png"
                if p.exists():
                    n += 1
                    continue
                # (written at the final name, a run killed mid-write left half a picture there)
                tmp, left = temp_path(p), False
                try:
                    with open(tmp, "wb") as f:
                        f.write(png)
                    left = commit(tmp, p, force=False)  # (linked: EEXIST if taken meanwhile)
                    break
                except OutputExistsError:
                    n += 1
                finally:
                    discard(tmp)
                    if left is False:  # (not saved: in a folder that lets no name be removed, append-only,
                        self._note_left(tmp, p)  # what was written stayed, unsaid)
        except (OSError, WriteError) as exc:  # (a read-only or full disk: said in the window, the run goes on)
            self._say(f"snapshot not saved: {exc.strerror or exc}", 4.0)
            return None
        self.snapshots.append(p)
        if left:  # (a folder that lets no name be removed, append-only: the snapshot's temporary
            # name stayed beside it, a second name of it, unsaid; said at the run's end, as a file's)
            self.warnings.append(left)
            self._say(f"saved {p}; its temporary file could not be removed", 4.0)
            return p
        self._say(f"saved {p}")
        return p

    def _note_left(self, tmp: Path, p: Path) -> None:
        """A warning (said at the run's end) naming ``tmp``, the temporary file of the snapshot
        ``p`` that was not saved, where it could not be removed."""
        from livecut.atomic import not_removed, why_left

        why = not_removed(tmp)
        if why is not None:
            self.warnings.append(f"{tmp}: the temporary file of snapshot {p} could not be removed "
                                 f"({why_left(why)}): remove it once the folder allows")

    def close(self) -> None:
        if self._open:
            self._open = False
            try:
                self._destroy()
                self._waitkey(1)
            except cv2.error:
                pass


#: keys that are not characters, as X11 codes them (GTK's windows, and Qt's for every key but
#: the ASCII ones): their last byte is a letter's (Left 0xff51 'Q', Right 0xff53 'S': masked to
#: a byte, as cv2.waitKey does, the left arrow quit the preview and the right one saved a snapshot)
X11_KEYS = {0xff1b: "\x1b", 0xffab: "+", 0xffad: "-"}  # Escape, the keypad's + and -


def key_char(key: int) -> str | None:
    """The preview's key for a code of ``cv2.waitKeyEx`` (lower case: with Caps Lock on, Q quits
    as q does); None for no key or one that is not a character (an arrow, a function key, Shift)."""
    if key == -1:
        return None
    # (GTK adds the modifiers held above, << 16: Shift, Caps Lock, Num Lock; with Super or Meta
    # held the int overflows to a negative code)
    key &= 0xFFFF
    if key > 0xFF:
        return X11_KEYS.get(key)
    return chr(key).lower()


def _window_text(exc: cv2.error) -> str:
    """OpenCV's words for its window failing (``exc``, from cv2.imshow or cv2.waitKeyEx: no
    display after all, a GTK or Qt that cannot start, a display gone)."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    # (OpenCV's "OpenCV(5.0.0) /path/window.cpp:1301: error: (-2:Unspecified error) " dropped)
    return re.sub(r"^OpenCV\([^)]*\).*?: error: \([^)]*\) ", "", text)


def _window_visible() -> bool:
    """Whether the preview window is still open (Qt forgets a closed one: an error; a
    backend that cannot tell answers -1: taken as open, never as a quit)."""
    try:
        return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) != 0
    except cv2.error:
        return False


def _quiet_qt_fonts() -> None:
    """OpenCV's Qt build points Qt at a font folder inside the wheel, which the wheel does not
    ship, and Qt then warns on stderr; point it at the system's fonts (before the first window)."""
    if not os.path.isdir(os.environ.get("QT_QPA_FONTDIR", "")):
        for d in ("/usr/share/fonts/truetype", "/usr/share/fonts", "/usr/local/share/fonts"):
            if os.path.isdir(d):
                os.environ["QT_QPA_FONTDIR"] = d
                break


def _check_spec(spec: str, channels: int, cfg: VideoConfig) -> None:
    """``-o preview``: the window is opened by name (``kind="preview"``, --preview), never as an
    output (it was "internal error: TypeError: ... unexpected keyword argument 'force'", exit 1,
    once the input was opened)."""
    from livecut.errors import UsageError

    raise UsageError(f"-o {spec}: the preview window is not an output: show it with --preview (-p), "
                     "and give -o a video file, DIR/, - or a URL")


@register_sink("preview", lambda spec: spec == "preview", check=_check_spec)
def open_preview(spec: str, info: SinkInfo, cfg: VideoConfig, **options) -> PreviewSink:
    return PreviewSink(info, **options)
