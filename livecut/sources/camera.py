"""Webcam source (OpenCV ``VideoCapture``): a spec that is an integer, or ``/dev/videoN``.

A live source: the driver buffer is kept to one frame and the runner always
processes the newest frame (older ones are dropped and counted).

The camera's pixel format (``fourcc``): ``auto`` asks for MJPG when the format OpenCV would
open it in (YUYV, on most USB cameras) does not give the size and frame rate asked for and MJPG
gives more of it (the formats are asked read-only, as ``livecut devices`` does: Linux);
``MJPG`` or ``YUYV`` asks for that one.

A camera that stops delivering frames (unplugged, taken by another program: its reads fail
30 times in a row or for ``video.read_timeout`` seconds, or a read raising cv2.error) is opened
again, as a lost stream is reconnected to (``video.reconnect``): said once, tried every
:data:`REOPEN_EVERY` seconds until it delivers again -- ``read`` waits meanwhile -- or until
``video.reconnect_limit`` seconds pass without a frame (0: never).  Given up on, or with
``video.reconnect`` off, it ends the source: ``read`` returns None and :attr:`CameraSource.lost`
says why, so that the run finalises its outputs and reports the loss (exit 3), as for a lost
stream.  One that comes back at another size than it gave (another driver mode, a USB hub's
renegotiation, another camera on its index) goes on: its frames are fitted into the size the run
opened with -- scaled with their shape kept, centred on black bars (letterboxed or pillarboxed,
not cropped: nothing of the picture is lost, as every output fits a picture that changes size) --
so that a virtual camera a call reads, a recording and the preview keep their size; said once
per size, as it comes back.  A picture that changes size without being lost is fitted so too,
said with the run's summary (:attr:`CameraSource.warnings`) as a stream's is.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import stat
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np

from livecut.config import VideoConfig
from livecut.errors import (ConfigTypeError, DeviceNameError, DeviceUnavailable, FrameSizeError, UsageError,
                            VideoOpenFailure)
from livecut.imageio import MIN_SIDE
from livecut.progress import clock
from livecut.sources import register_source
from livecut.sources.base import ClosesWhileReading, Frame, FramePool, SourceInfo, refuse_pickle
from livecut.threads import Worker

log = logging.getLogger("livecut")

#: consecutive failed reads after which a camera counts as gone (a camera whose reads have
#: failed for ``video.read_timeout`` seconds counts as gone too, however few the failures:
#: OpenCV's V4L2 backend waits up to 10 s in each failing read)
MAX_FAILED_READS = 30
#: the name of the thread a camera's first frame is read in (see CameraSource._first_read)
OPEN_THREAD = "livecut-camera-open"
#: the highest camera index OpenCV takes (a C int)
MAX_INDEX = 2 ** 31 - 1
#: the pixel formats a camera can be asked for (``fourcc``); auto: see :func:`choose_fourcc`
FOURCCS = ("auto", "MJPG", "YUYV")
#: the formats OpenCV's V4L2 backend tries, in its order (videoio/src/cap_v4l.cpp,
#: autosetup_capture_mode_v4l2): a camera not told otherwise is opened in the first of them it
#: offers -- YUYV before MJPG, which USB cameras deliver at 1280x720 and above at 5-10 fps
_OPENCV_ORDER = ("BGR3", "RGB3", "YV12", "YU12", "411P", "YUYV", "UYVY", "NV12", "NV21", "BA81",
                 "GBRG", "GRBG", "XR24", "AR24", "S910", "MJPG", "JPEG")
#: the size and rate OpenCV's V4L2 backend asks a camera for when none is given
_OPENCV_SIZE, _OPENCV_FPS = (640, 480), 30.0


def _quiet_opencv() -> None:
    """OpenCV logs 'can't open camera by index' warnings on stderr; we report errors ourselves."""
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except Exception:  # older/newer builds without the logging module
        os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")


def camera_index(spec: str) -> int | None:
    # (isdecimal, not isdigit: a superscript ², which int() refuses, was an internal error)
    s = str(spec).strip()
    if s.isdecimal():
        return int(s)
    if s.startswith("/dev/video") and s[len("/dev/video"):].isdecimal():
        return int(s[len("/dev/video"):])
    return None


def check_present(index: int) -> None:
    """:class:`VideoOpenFailure` for a camera certainly not there (an index OpenCV cannot take;
    Linux: no /dev/videoN), without opening it; elsewhere only opening it tells."""
    if index > MAX_INDEX:  # (OpenCV raised 'Overload resolution failed', six lines)
        raise VideoOpenFailure(f"camera {index}: not found (no camera has so high an index; "
                               "see `livecut devices`)")
    if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
        raise VideoOpenFailure(f"camera {index}: not found (no /dev/video{index}; "
                               "see `livecut devices`)")


def check_not_its_own_output(index: int, devices: Iterable[str | None]) -> None:
    """:class:`DeviceNameError` (exit 2) for a camera that is one of the virtual cameras
    ``devices`` it would be sent to (``livecut cam 10 --vcam-device /dev/video10``: it read the
    loopback nothing sent to yet, and said 'cannot open' or, after 10 s, 'opened but delivers no
    frames (busy?)'); Linux, where a camera is its /dev/videoN."""
    if not sys.platform.startswith("linux"):
        return
    node = f"/dev/video{index}"
    for device in devices:
        if device and _same_node(node, device):
            raise DeviceNameError(f"camera {index} is {device}, the virtual camera it would be sent to: "
                                  "give the webcam's index (`livecut devices` lists cameras and virtual "
                                  "cameras apart)")


def _same_node(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name one device (its number; a link to it, /dev/v4l/by-id/...)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
    return stat.S_ISCHR(sa.st_mode) and stat.S_ISCHR(sb.st_mode) and sa.st_rdev == sb.st_rdev


def parse_fps(text: str) -> float:
    """A frame rate as a command line gives it: ``30``, ``29.97`` or ``30000/1001`` (as FFmpeg
    and ffprobe write NTSC rates), above 0 and below 1000; else UsageError
    (``--fps 30000/1001`` was "Input should be a valid number")."""
    rate = None
    parts = text.split("/")
    if len(parts) <= 2:
        try:
            rate = float(parts[0]) / (float(parts[1]) if len(parts) == 2 else 1.0)
        except (ValueError, ZeroDivisionError):
            pass
    if rate is None or not 0 < rate < 1000:  # (also refuses nan and inf)
        raise UsageError(f"--fps {text.strip()}: expected a frame rate above 0 and below 1000, e.g. 30, 29.97 "
                         "or 30000/1001")
    return rate


def check_request(size: object, fps: object) -> tuple[tuple[int, int] | None, float | None]:
    """The ``size`` (width, height) and ``fps`` a camera is asked for, as given (None: the
    camera's), or a typed error in the library's words: they went to the driver unchecked (a size
    of 0x0 or -640x480, a rate of -5 or nan asked for, the run going on at the camera's own),
    and text or a 1-tuple was a bare TypeError from OpenCV, an IndexError."""
    if size is not None:
        if isinstance(size, (str, bytes)) or not isinstance(size, Sequence) or len(size) != 2:
            raise ConfigTypeError(f"size {size!r}: expected (width, height), e.g. (1280, 720)")
        if not all(_whole(v) and 16 <= v <= 16384 for v in size):  # (as the command line's --size)
            raise FrameSizeError(f"size {tuple(size)!r}: expected (width, height), whole numbers from 16 "
                                 "to 16384")
        size = (int(size[0]), int(size[1]))
    if fps is not None:
        if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
            raise ConfigTypeError(f"fps {fps!r}: expected a number of frames a second")
        if not 0 < fps < 1000:  # (also refuses nan and inf, as the command line's --fps)
            raise UsageError(f"fps {fps!r}: expected a frame rate above 0 and below 1000")
        fps = float(fps)
    return size, fps


def _whole(v: object) -> bool:
    """Whether ``v`` is a whole number (an int, a numpy integer, a float of whole value)."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return False
    return isinstance(v, numbers.Integral) or (math.isfinite(v) and v == int(v))


def choose_fourcc(formats: dict[str, dict[tuple[int, int], list[float]]] | None,
                  size: tuple[int, int] | None, fps: float | None) -> tuple[str | None, str]:
    """``fourcc = "auto"``: ``("MJPG", why)`` when the format OpenCV would open the camera in
    does not give the ``size`` and ``fps`` asked for (30 fps when only a size is asked) and MJPG
    gives more of it; ``(None, "")`` to leave the camera's format alone (nothing asked, the
    camera's formats unknown -- not Linux --, or no better in MJPG).  ``formats``: as
    :func:`livecut.devices.camera_formats` answers."""
    if not formats or (not size and not fps) or "MJPG" not in formats:
        return None, ""
    default = next((f for f in _OPENCV_ORDER if f in formats), None)
    if default is None or default == "MJPG":
        return None, ""
    want = tuple(size) if size else _OPENCV_SIZE
    rate = fps or _OPENCV_FPS

    def best(fourcc: str) -> float | None:  # (up to the rate asked; None: no such size)
        rates = formats[fourcc].get(want)
        if rates is None:
            return None
        return min(max(rates), rate) if rates else rate  # (no rates listed: taken as given)

    have, mjpg = best(default), best("MJPG")
    if mjpg is None or (have is not None and (have >= 0.99 * rate or have >= mjpg)):
        return None, ""
    w, h = want
    why = (f"{default} gives {w}x{h} at {have:g} fps at most" if have is not None
           else f"{default} has no {w}x{h}")
    return "MJPG", why


def _camera_formats(index: int) -> dict[str, dict[tuple[int, int], list[float]]] | None:
    """What ``/dev/video<index>`` offers, asked read-only (Linux; None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    from livecut import devices

    return devices.camera_formats(f"/dev/video{index}")


def _why_not_opened(index: int) -> str:
    """Why OpenCV could not open camera ``index``, as far as the node says (Linux): a node that
    captures nothing -- a webcam's second node, its metadata (``livecut cam 1`` for a second
    camera), a virtual camera nothing sends to yet -- was said 'missing, busy or no permission'."""
    if sys.platform.startswith("linux"):
        from livecut import devices

        caps, driver, _ = devices._query_v4l2(Path(f"/dev/video{index}"))
        if caps is not None and not caps & (devices._CAP_VIDEO_CAPTURE | devices._CAP_VIDEO_CAPTURE_MPLANE):
            what = ("a virtual camera that nothing sends to yet" if driver == "v4l2 loopback"
                    else "no camera's picture: a webcam's metadata node, or a device that captures nothing")
            return f"/dev/video{index} is {what}; see `livecut devices` for the cameras"
    return "missing, busy or no permission"


def _fourcc_text(code: object) -> str:
    """cv2.CAP_PROP_FOURCC's value as its four letters ('' when not said)."""
    try:
        n = int(code)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return ""
    text = "".join(chr((n >> (8 * i)) & 0xFF) for i in range(4)).strip()
    return text if n > 0 and text and text.isprintable() else ""


def _cv_error_text(e: Exception) -> str:
    """An OpenCV error raised by a capture, as a camera's message says it."""
    return str(e).strip() or "OpenCV error"


def _channels_fault(img) -> str:
    """'' for a picture of 1, 3 or 4 channels (gray, BGR, BGRX); else what it is, in words."""
    channels = 1 if img.ndim == 2 else img.shape[2] if img.ndim == 3 else 0
    if channels in (1, 3, 4):
        return ""
    return f"frames of {channels} channels; livecut takes gray, BGR or BGRX"


class CameraSource(ClosesWhileReading):
    """One camera, opened on construction and released by ``close``/``__exit__``; ``close`` is
    safe from another thread while ``read()`` waits in the capture."""

    live = True

    def __init__(self, index: int, cfg: VideoConfig | None = None, *, size: tuple[int, int] | None = None,
                 fps: float | None = None, fourcc: str = "auto", capture_factory=None):
        self.index = index
        self.cfg = cfg or VideoConfig()
        self.corrupt = 0
        #: set when the camera delivers another size or frame rate than the one asked for (the
        #: runner warns)
        self.size_note = ""
        #: set when the camera does not deliver the pixel format asked for (the runner warns)
        self.note = ""
        #: the pixel format the camera delivers in, e.g. "MJPG" ('' when OpenCV does not say)
        self.fourcc = ""
        #: why the camera was given up on mid-run ('' while it delivers frames)
        self.lost = ""
        self._i = 0
        self._cap = None
        self._first = None
        self._pool = FramePool(POOL_MAX)  # frames' buffers given back (release_frame)
        self._stop = threading.Event()
        self._init_reading()
        asked = next((f for f in FOURCCS if f.lower() == str(fourcc).strip().lower()), None)
        if asked is None:  # (the library's words: the command line says --fourcc, before)
            raise UsageError(f"fourcc {fourcc!r}: expected {', '.join(FOURCCS[:-1])} or {FOURCCS[-1]}")
        size, fps = check_request(size, fps)
        check_present(index)
        chosen, why = (choose_fourcc(_camera_formats(index), size, fps) if asked == "auto"
                       else (asked, ""))
        _quiet_opencv()
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        try:  # (OpenCV may raise instead of answering False: was 'internal error', exit 1)
            cap = (capture_factory or cv2.VideoCapture)(index, backend)
            opened = cap is not None and cap.isOpened()
        except cv2.error as e:
            raise VideoOpenFailure(f"camera {index}: cannot open ({_cv_error_text(e)})") from None
        if not opened:
            raise VideoOpenFailure(f"camera {index}: cannot open ({_why_not_opened(index)})")
        self._cap = cap
        # (how it was opened: a camera lost mid-run is opened again so, see _reopen)
        self._factory, self._backend = capture_factory or cv2.VideoCapture, backend
        self._asked = (chosen, size, fps)
        #: time.monotonic() of the last frame delivered (video.reconnect_limit counts from it)
        self._last_frame_at = time.monotonic()
        #: camera losses it came back from (reopened)
        self.reopens = 0
        #: the sizes it came back at other than the one it opened at (each said once; its frames
        #: fitted into the first size, see _fitted)
        self.fitted_sizes: list[tuple[int, int]] = []
        #: what it noted in the run, said with its summary: a picture that changed size mid-run
        #: without being lost (fitted as one that came back so, see _fitted)
        self.warnings: list[str] = []
        self._noted: list[tuple[int, int]] = []  # (the sizes said in warnings)
        self._raw = None  # (a frame of another size or BGRX is read into this, then fitted or made BGR)
        self._bgr: np.ndarray | None = None  # (a BGRX frame of another size made BGR, see _own_bgr)
        try:
            self._ask(cap)
            try:
                ok, img = self._first_read(cap)
            except cv2.error as e:
                raise DeviceUnavailable(f"camera {index}: opened but delivers no frames "
                                        f"({_cv_error_text(e)})") from None
            if not ok or img is None:
                raise DeviceUnavailable(f"camera {index}: opened but delivers no frames (busy?)")
            self._first = img
            h, w = img.shape[:2]
            if min(h, w) < MIN_SIDE:  # (it was the engine's 'image is WxH', naming no camera)
                raise VideoOpenFailure(f"camera {index}: delivers {w}x{h}; livecut needs at least "
                                       f"{MIN_SIDE}x{MIN_SIDE} pixels")
            if fault := _channels_fault(img):
                raise VideoOpenFailure(f"camera {index}: delivers {fault}")
            got_fps = cap.get(cv2.CAP_PROP_FPS)
            got_fps = float(got_fps) if got_fps and 0 < got_fps < 1000 else None  # (0, nan: not said)
            cam_fps = got_fps or fps or 30.0
            got, wanted = [], []  # (what differs from what was asked)
            if size and (w, h) != tuple(size):
                got.append(f"{w}x{h}")
                wanted.append(f"{size[0]}x{size[1]}")
            if fps and got_fps and abs(got_fps - fps) > 0.01 * fps:
                got.append(f"{got_fps:g} fps")
                wanted.append(f"{fps:g} fps")
            if got:
                self.size_note = (f"camera {index} delivers {' @ '.join(got)}, not the requested "
                                  f"{' @ '.join(wanted)}")
            self.fourcc = _fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))
            if asked != "auto" and self.fourcc and self.fourcc != asked:
                self.note = f"camera {index} delivers {self.fourcc}, not the requested {asked}"
            # what it gives, said when it opens (the run's warnings come at its end), in which
            # pixel format, and why when livecut chose it
            fmt = f" in {self.fourcc}" if self.fourcc else ""
            if fmt and chosen and why and self.fourcc == chosen:
                fmt += f" ({why})"
            log.info("camera %d: %dx%d @ %s%s%s", index, w, h,
                     f"{got_fps:g} fps" if got_fps else "an unknown frame rate", fmt,
                     f" (asked for {' @ '.join(wanted)})" if wanted else "")
            self.info = SourceInfo(width=w, height=h, fps=float(cam_fps))
        except BaseException:
            self.close()
            raise
        self._t0 = time.perf_counter()

    def _ask(self, cap) -> None:
        """Ask ``cap`` for the pixel format, size and rate asked for, and a buffer of one frame."""
        chosen, size, fps = self._asked
        if chosen:  # (before the size and rate: they are set in it)
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*chosen))
        if size:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        if fps:
            cap.set(cv2.CAP_PROP_FPS, fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)

    def _reopen(self, reason: str):
        """A camera whose reads failed (unplugged, a USB hub reset, a driver's hiccup), opened
        again every :data:`REOPEN_EVERY` seconds, as it was, until it delivers a frame: that
        frame, or None when stopped or past ``video.reconnect_limit`` seconds without a frame
        (then :attr:`lost` says why), or with ``video.reconnect`` off.  Said once."""
        if not self.cfg.reconnect:
            self.lost = reason
            return None
        cap, self._cap = self._cap, None
        if cap is not None:
            try:
                cap.release()
            except cv2.error:
                pass
        limit = self.cfg.reconnect_limit
        log.info("camera %d lost (%s); reopening", self.index, reason)
        while not self._stop.wait(REOPEN_EVERY):
            gone = time.monotonic() - self._last_frame_at
            if limit and gone >= limit:
                log.warning("camera %d: giving up after %.0f s without a frame", self.index, gone)
                self.lost = f"{reason}; gave up after {gone:.0f} s without a frame"
                return None
            if sys.platform.startswith("linux") and not Path(f"/dev/video{self.index}").exists():
                continue  # (still unplugged: its node not back)
            try:
                cap = self._factory(self.index, self._backend)
            except cv2.error:
                continue
            if cap is None:
                continue
            self._cap = cap  # (released by close() meanwhile, or by read() once closed)
            ok, img = False, None
            try:
                if cap.isOpened():
                    self._ask(cap)
                    ok, img = cap.read()
            except cv2.error:
                pass
            if self._stop.is_set() or self._closed:
                return None
            if ok and img is not None:
                h, w = img.shape[:2]
                log.info("camera %d back after %.1f s", self.index, time.monotonic() - self._last_frame_at)
                self.reopens += 1
                ow, oh = self.info.width, self.info.height
                if (w, h) != (ow, oh) and (w, h) not in self.fitted_sizes and min(h, w) >= MIN_SIDE:
                    # (it ended the run, exit 3: a call reading the virtual camera lost it for a
                    # driver's other mode; now its frames are fitted, see _fitted)
                    self.fitted_sizes.append((w, h))
                    log.warning("camera %d came back delivering %dx%d, not the %dx%d it gave before: "
                                "fitted into %dx%d with its shape kept (black bars)", self.index, w, h,
                                ow, oh, ow, oh)
                return img
            self._cap = None
            try:
                cap.release()
            except cv2.error:
                pass
        return None

    def _first_read(self, cap):
        """``cap.read()``, from the main thread in a helper thread: OpenCV's V4L2 read of a camera
        that opens and delivers nothing (a USB hub short of bandwidth) waits up to 10 s, and a
        signal (Ctrl-C, SIGTERM) is handled only between the main thread's Python steps -- here
        at once (a read still waiting is left to release the camera when it returns, as
        :meth:`close` does mid-run)."""
        if threading.current_thread() is not threading.main_thread():
            return cap.read()
        box: dict = {}

        def work() -> None:
            with self._reading:  # (a close() meanwhile leaves the release to this read)
                try:
                    box["read"] = cap.read()
                except BaseException as exc:  # handed to the main thread
                    box["exc"] = exc
                finally:
                    if self._closed:
                        self._release()

        # (a Worker: a signal that interrupts the wait does not make it look ended)
        helper = Worker(target=work, name=OPEN_THREAD, daemon=True)
        helper.start()
        while helper.is_alive():
            helper.join(0.05)
        if "exc" in box:
            raise box["exc"]
        return box["read"]

    def __reduce__(self):
        # (a process pool or joblib given the source: a bare TypeError from deep inside)
        refuse_pickle(f"camera {self.index}", "its index")

    def __enter__(self) -> "CameraSource":
        if self._closed:  # (it read nothing, as at its end, without a word: a sink refuses as much)
            raise VideoOpenFailure(f"camera {self.index}: closed; a source is read once: open another "
                                   "(livecut.sources.open_source)")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self) -> Frame | None:
        """The next frame; None once closed or stopped, or when the camera is gone (then
        :attr:`lost` says why)."""
        return super().read()

    def _read(self) -> Frame | None:
        if self._cap is None or self._stop.is_set():
            return None
        if self._first is not None:
            img, self._first = self._first, None
        else:
            failed, since = 0, None
            while True:
                began = time.monotonic()
                try:
                    # (into a buffer given back: OpenCV fills one of the frame's size and type in
                    # place, and makes a new one otherwise)
                    buf = self._raw if self._raw is not None else self._pool.take()
                    ok, img = self._cap.read() if buf is None else self._cap.read(buf)
                except cv2.error as e:  # (a backend may raise for a camera gone: lost, as a failing read)
                    if self._stop.is_set() or self._closed:
                        return None
                    img = self._reopen(f"its capture failed: {_cv_error_text(e)}")
                    if img is None:
                        return None
                    break
                if ok and img is not None:
                    break
                if self._stop.is_set() or self._closed:
                    return None
                failed += 1
                # (counted from the start of the first failing read: V4L2 waits 10 s in it)
                since = since if since is not None else began
                # (the key a stalled stream counts as lost after: 5 s by default)
                if failed >= MAX_FAILED_READS or time.monotonic() - since >= self.cfg.read_timeout:
                    img = self._reopen("it stopped delivering frames: unplugged, or taken by another program?")
                    if img is None:
                        return None
                    break
                if self._stop.wait(0.01):
                    return None
        h, w = img.shape[:2]
        if min(h, w) < MIN_SIDE:  # (the engine refused it: the run failed and its recording was removed)
            self.lost = f"its picture became {w}x{h}; livecut needs at least {MIN_SIDE}x{MIN_SIDE} pixels"
            return None
        if fault := _channels_fault(img):  # (the engine refused it: the run failed and its recording was removed)
            self.lost = f"it delivered {fault}"
            return None
        fit = None  # (where a picture of another size was fitted onto bars, see Frame.fit)
        other = (w, h) != (self.info.width, self.info.height)
        # (BGRX: a camera's 4th channel is padding, 0 from some backends, not an alpha; taken
        # as one, the picture was cut out as transparent: black in the recording)
        bgrx = img.ndim == 3 and img.shape[2] == 4
        if other or bgrx:
            # (the next frame read into it, the source's own: the frame delivered is made of it
            # in a buffer given back.  Each BGRX frame was two new arrays -- the read's, OpenCV not
            # filling the BGR buffer given back, and the conversion's -- and one of another size
            # BGRX a third, the pool's BGR buffers let go for a BGRX one to fit it into)
            self._raw = img
            if bgrx:  # (of another size: into the source's own buffer, then fitted)
                img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR,
                                   dst=self._own_bgr(h, w) if other else self._take((h, w, 3)))
            if other:
                img, fit = self._fitted(img)
        else:
            self._raw = None
        now = time.perf_counter()
        self._last_frame_at = time.monotonic()
        frame = Frame(image=img, index=self._i, pts=now - self._t0, captured_at=clock(), fit=fit)
        self._i += 1
        return frame

    def _fitted(self, img: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """A frame of another size than the camera opened at (it came back so, see _reopen):
        scaled into the first size with its shape kept, centred on black bars, and where it lies
        there ``(y0, y1, x0, x1)`` (:attr:`Frame.fit`, for the engine's bars)."""
        from livecut.resize import SIZE_CHANGED, fit_onto_bars, fitted_size, note_size_change

        h, w = img.shape[:2]
        ow, oh = self.info.width, self.info.height
        if (w, h) not in self.fitted_sizes:  # (one that came back so was said as it came back)
            self.fitted_sizes.append((w, h))
            self._noted.append((w, h))
            note_size_change(self.warnings, self._noted, f"{SIZE_CHANGED}{w}x{h}: fitted into the output's "
                             f"{ow}x{oh} with its shape kept (black bars)")
        out = self._take((oh, ow) + img.shape[2:])
        x, y, fw, fh = fitted_size(w, h, ow, oh)
        fit_onto_bars(img, out, (x, y, fw, fh))
        return out, (y, y + fh, x, x + fw)

    def _take(self, shape: tuple[int, ...]) -> np.ndarray:
        """A buffer given back of ``shape`` for the frame to deliver, else a new one."""
        out = self._pool.take(shape)
        return np.empty(shape, np.uint8) if out is None else out

    def _own_bgr(self, h: int, w: int) -> np.ndarray:
        """The source's own BGR buffer of ``h`` x ``w`` (a BGRX frame of another size is made BGR
        in it, then fitted into a buffer given back): kept from frame to frame."""
        if self._bgr is None or self._bgr.shape != (h, w, 3):
            self._bgr = np.empty((h, w, 3), np.uint8)
        return self._bgr

    def release_frame(self, image: np.ndarray) -> None:
        """Give back a frame the caller is done with: the next is read into its buffer (each was
        a new array, a 1080p camera's 6 MB, 30 times a second for as long as it ran)."""
        self._pool.give(image)

    def stop(self) -> None:
        """Make a read() that waits on a failing camera give up (thread-safe)."""
        self._stop.set()

    def _stop_reading(self) -> None:
        self._stop.set()

    def _release(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


@register_source("camera", lambda spec: camera_index(spec) is not None)
def open_camera(spec: str, cfg: VideoConfig, *, size: tuple[int, int] | None = None,
                fps: float | None = None, fourcc: str = "auto", capture_factory=None,
                **_: object) -> CameraSource:
    return CameraSource(camera_index(spec), cfg, size=size, fps=fps, fourcc=fourcc,
                        capture_factory=capture_factory)

#: seconds between a lost camera's attempts to open it again (see CameraSource._reopen)
REOPEN_EVERY = 0.5
#: the most frames' buffers given back (release_frame) kept for the next frames
POOL_MAX = 4
