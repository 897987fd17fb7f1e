"""Virtual camera sink (pyvirtualcam: the ``vcam`` extra, ``pip install -e '.[vcam]'`` in the checkout).

Linux: a v4l2loopback device (``sudo modprobe v4l2loopback exclusive_caps=1
card_label=livecut``); macOS/Windows: the OBS virtual camera.  See
``docs/virtual-camera.md``.

* frames go in as BGR (pyvirtualcam converts to the device's native format in C);
  a BGRA cutout is flattened over chroma green (keyable in OBS), a mask sent as BGR too (the
  gray replicated: a 1-channel format makes a v4l2loopback device greyscale, which browsers
  and video-call apps may not list);
* frames are paced to their timestamps (or to the fps): a file plays at its own
  speed, a live source is never delayed more than it already is;
* the device, backend, size, fps and native pixel format are logged once opened
  and kept in :attr:`VcamSink.negotiated`;
* no pyvirtualcam or no device -> :class:`DeviceUnavailable` with one line that
  says what to install or load; a device named that is not there or no virtual camera (a
  webcam, a file), or a backend pyvirtualcam does not have here -> :class:`DeviceNameError`
  (exit 2: the user's input).
"""

from __future__ import annotations

import logging
import os
import platform
import re
import stat
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from livecut.config import VideoConfig
from livecut.errors import DeviceNameError, DeviceUnavailable, VideoWriteError
from livecut.pacing import Pacer
from livecut.resize import Fitter
from livecut.sinks import register_sink
from livecut.sinks.base import SinkInfo, check_frame, check_pts, fps_text
from livecut.frames import Upright, blend_weights

log = logging.getLogger("livecut")

#: how to install pyvirtualcam (livecut is not on PyPI: its extras come from the checkout)
VCAM_INSTALL = "pip install -e '.[vcam]' in the livecut checkout, or pip install pyvirtualcam"
#: background a BGRA cutout is flattened over (chroma-key green, BGR)
KEY_GREEN = (64, 177, 0)
#: how far behind its timestamp a frame may be before the pacing clock resyncs (s)
RESYNC_AFTER = 0.25

MODPROBE = "sudo modprobe v4l2loopback exclusive_caps=1 card_label=livecut"
#: where the setup guide is (docs/ is not in the wheel: an installed livecut has no such file)
VCAM_GUIDE = "docs/virtual-camera.md in the livecut checkout"
#: there while the v4l2loopback module is loaded (Linux)
LOOPBACK_MODULE = "/sys/module/v4l2loopback"
#: what to do about a device named that is not a virtual camera (a webcam, /dev/null)
PICK_ANOTHER = ("pick one that `livecut devices` lists under 'virtual cameras' "
                f"(see {VCAM_GUIDE})")


def missing_help() -> str:
    """What to install/load for a virtual camera on this platform (one sentence)."""
    system = platform.system()
    if system == "Linux":
        return f"load v4l2loopback: {MODPROBE} (package v4l2loopback-dkms; see {VCAM_GUIDE})"
    if system in ("Darwin", "Windows"):
        return ("install OBS Studio 28+ and click 'Start Virtual Camera' once to register it "
                f"(see {VCAM_GUIDE})")
    return f"`livecut devices` says what is missing (see {VCAM_GUIDE})"


def open_failure_help(reason: str) -> str:
    """What to do about a virtual camera that is there but would not open: busy (another
    program sends to it, or it is fixed at another size), not allowed, or no virtual camera
    at all (a webcam or another file named with --vcam-device); else what
    :func:`missing_help` says."""
    # (pyvirtualcam's Windows OBS backend: "virtual camera output could not be started" where the
    # camera's shared queue is there already, another program sending to it -- OBS's own Start
    # Virtual Camera, another livecut --; it was answered "install OBS Studio 28+")
    if re.search(r"busy|could not be configured|output could not be started", reason, re.I):
        return ("another program may be sending to it, or it is fixed at another size by an earlier "
                f"one: stop that program, or pick another device (`livecut devices`; see {VCAM_GUIDE})")
    # (pyvirtualcam refuses a device this process has open already: a virtual camera of the
    # library's not closed, or abandoned by a run whose send did not return)
    # (and its macOS OBS backend takes one camera a process: "Multiple cameras are not supported
    # by this backend.")
    if re.search(r"already in use|multiple cameras are not supported", reason, re.I):
        return ("this process sends to it already, from a virtual camera opened before and not closed: "
                "close that one, or pick another device (`livecut devices`)")
    # (pyvirtualcam: "Could not access /dev/videoN due to missing permissions.")
    if re.search(r"permission denied|not permitted|missing permissions", reason, re.I):
        return "add yourself to the 'video' group (sudo usermod -aG video $USER, then log in again)"
    if _not_its_device(reason):
        only = re.search(r"supports only the ('[^']*') device", reason, re.I)
        return ("it is not one the backend has" + (f" (it has {only.group(1)} only)" if only else "")
                + ": name that one, or none (--vcam alone sends to the first; `livecut devices`)")
    if _not_a_vcam(reason):
        return f"it is not a virtual camera: {PICK_ANOTHER}"
    if _no_such_device(reason) and _loopback_loaded():  # (another device number: loading it is no answer)
        return PICK_ANOTHER
    if re.search(r"no v4l2 loopback device found", reason, re.I) and platform.system() == "Linux" \
            and os.path.exists(LOOPBACK_MODULE):
        # (the module loaded, no device named: each one pyvirtualcam tried was in use -- loaded with
        # exclusive_caps=1, a device another program sends to shows as a camera only --, or this
        # process sends to it; it was answered 'load v4l2loopback: sudo modprobe ...')
        return ("v4l2loopback is loaded but its devices are in use (another program, or another livecut, "
                "sends to each): stop that program, or load the module with more devices, devices=2 "
                f"(see {VCAM_GUIDE})")
    return missing_help()


def _not_a_vcam(reason: str) -> bool:
    """pyvirtualcam's reason for a device that is there but no loopback (a webcam, /dev/null, a
    regular file, a folder)."""
    return bool(re.search(r"is not a (V4L2|video output) device|could not be queried|is a directory", reason, re.I))


def _not_its_device(reason: str) -> bool:
    """pyvirtualcam's reason for a device named that its backends do not have (macOS and Windows:
    "This backend supports only the 'OBS Virtual Camera' device.", Windows' Unity Capture "No
    camera registered with this name."), from each backend it tried that has a camera at all (one
    with none, Unity Capture's "No camera registered.", is left out; one said not to be there,
    "OBS Virtual Camera device not found!", is a missing one)."""
    parts = [part for part in reason.split("; ") if not re.search(r"no camera registered$", part, re.I)]
    return bool(parts) and all(re.search(r"supports only the '[^']*' device|no camera registered with this name",
                                         part, re.I) for part in parts)


def _no_such_device(reason: str) -> bool:
    """pyvirtualcam's reason for a device named that is not there ("Device /dev/video99 does not
    exist.")."""
    return bool(re.search(r"does not exist", reason, re.I))


def _is_loopback(device: str) -> bool:
    """Whether ``device`` is a v4l2loopback node, as its driver says (Linux; False where it cannot
    be asked)."""
    if platform.system() != "Linux":
        return False
    from livecut.devices import _query_v4l2

    try:
        _, driver, _ = _query_v4l2(Path(device))
    except Exception:  # noqa: BLE001 -- (only the advice depends on it)
        return False
    return driver == "v4l2 loopback"


def _loopback_loaded() -> bool:
    """Whether v4l2loopback is loaded (Linux; elsewhere there is none to load: True)."""
    return platform.system() != "Linux" or os.path.exists(LOOPBACK_MODULE)


def _open_failure(device: str | None, reason: str) -> DeviceUnavailable:
    """The error of a virtual camera that would not open, for pyvirtualcam's ``reason``: a
    :class:`DeviceNameError` (exit 2) where the device named is not there (v4l2loopback
    loaded: another number) or is no virtual camera, the user's input; else (none loaded,
    busy, not allowed, the backend failing) a :class:`DeviceUnavailable` (exit 1)."""
    where = f" {device}" if device else ""
    if device is not None and re.search(r"is not a video output device", reason, re.I) and _is_loopback(device):
        # (a loopback device another program sends to: loaded with exclusive_caps=1, it shows as a
        # camera only while in use -- it was 'it is not a virtual camera: pick one that `livecut
        # devices` lists', which lists it, exit 2)
        return DeviceUnavailable(f"no virtual camera{where} available ({reason}); it is in use: another program, "
                                 "or another livecut, sends to it (with exclusive_caps=1 a virtual camera in use "
                                 "shows as a camera only): stop that program, or pick another device "
                                 f"(`livecut devices`; see {VCAM_GUIDE})")
    message = f"no virtual camera{where} available ({reason}); " + open_failure_help(reason)
    named = device is not None and (_not_a_vcam(reason) or _not_its_device(reason)
                                    or (_no_such_device(reason) and _loopback_loaded()))
    return (DeviceNameError if named else DeviceUnavailable)(message)


def backend_reason(exc: BaseException) -> str:
    """pyvirtualcam's error without its own advice (livecut gives it, once): \"'v4l2loopback'
    backend: No v4l2 loopback device found at /dev/video[0-99]. Did you run 'modprobe
    v4l2loopback'? See also pyvirtualcam's documentation.\" -> the first sentence only (and
    without its "Run 'usermod -a -G video myusername' ..." of a missing permission).  No backend
    named, pyvirtualcam tries each it has and says each one's error on a line of its own ("'obs'
    backend: ...\\n'unitycapture' backend: ..."): each is said apart, named ("obs: ...;
    unitycapture: ..."; they were run together, one sentence of two backends')."""
    named = re.findall(r"(?:^|\n)'([^'\n]*)' backend: ", str(exc))
    pieces = re.split(r"(?:^|\n)'[^'\n]*' backend: ", str(exc))
    if len(pieces) > len(named):  # (text before the first backend's name: none, or an error of its own)
        named = [""] * (len(pieces) - len(named)) + named
    said = []
    for name, piece in zip(named, pieces):
        text = re.sub(r"'[^']*' backend: ", "", " ".join(piece.split()))  # (a backend's own error naming one)
        keep = [s for s in re.split(r"(?<=[.?!])\s+", text) if not _advice(s)]
        reason = " ".join(keep).rstrip(".")
        if reason:
            said.append((name, reason))
    if len(said) > 1:
        return "; ".join(f"{name}: {reason}" if name else reason for name, reason in said)
    return said[0][1] if said else type(exc).__name__


def _advice(sentence: str) -> bool:
    """Whether a sentence of pyvirtualcam's error is its advice ("Did you run 'modprobe
    v4l2loopback'?", "Run 'usermod ...'", "Use the Virtual Camera function in OBS ...", "You may
    need to restart ..."), not its reason: a sentence that merely names an install is a reason
    ("OBS Virtual Camera is not installed in your system." was left out with the advice)."""
    return bool(re.search(r"modprobe|documentation|usermod", sentence, re.I)
                or re.match(r"(did you|see also|run|use|you may|please|install|try)\b", sentence, re.I))


def pyvirtualcam_broken(exc: ImportError) -> str | None:
    """What to say of a pyvirtualcam that is installed but cannot be loaded (its native module
    built against a newer libstdc++ than the system's, a dependency missing), from the
    ``ImportError`` its import raised; None when pyvirtualcam itself is not there.  (It was said
    to be not installed, and 'pip install pyvirtualcam' answered 'Requirement already satisfied'.)"""
    if getattr(exc, "name", None) in (None, "pyvirtualcam"):
        return None
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return (f"pyvirtualcam is installed but cannot be loaded ({reason}); reinstall it: "
            "pip install --force-reinstall pyvirtualcam")


def import_pyvirtualcam() -> Any:
    """The pyvirtualcam module, or :class:`DeviceUnavailable` saying how to install it (or
    why it cannot be loaded)."""
    try:
        import pyvirtualcam
    except ImportError as exc:
        broken = pyvirtualcam_broken(exc)
        raise DeviceUnavailable(f"virtual camera: {broken or f'pyvirtualcam is not installed ({VCAM_INSTALL})'}; "
                                "then " + missing_help()) from None
    return pyvirtualcam


def _check_backend(pvc: Any, backend: str | None) -> None:
    """:class:`DeviceNameError` (exit 2) for a ``backend`` that pyvirtualcam does not have here
    (``'obs'`` on Linux, a typo): it was 'no virtual camera available ('obs'); load
    v4l2loopback ...', and pyvirtualcam printed "Exception ignored in ... Camera.__del__" and a
    traceback (its camera, never made, closed when collected)."""
    backends = getattr(getattr(pvc, "camera", None), "BACKENDS", None)
    if backend is not None and isinstance(backends, dict) and backend not in backends:
        have = ", ".join(repr(name) for name in backends) or "none"
        raise DeviceNameError(f"virtual camera: no backend {backend!r} here (pyvirtualcam has: {have})")


def check_available(device: str | None = None, backend: str | None = None) -> None:
    """:class:`DeviceUnavailable` now when a virtual camera certainly cannot be opened (no
    pyvirtualcam, a backend it does not have; on Linux, v4l2loopback not loaded, the device
    named absent or no loopback), so that a run says so before it waits for a stream or turns a
    camera on; whether the device takes the frames is only known when it opens
    (:meth:`VcamSink.open`)."""
    device = device_path(device)
    pvc = import_pyvirtualcam()
    _check_backend(pvc, backend)
    # (pyvirtualcam tries each registered backend when none is named: others than its own
    # v4l2loopback one, registered by a plugin or a test, may open without the module)
    others = set(getattr(getattr(pvc, "camera", None), "BACKENDS", None) or {}) - {"v4l2loopback"}
    if platform.system() != "Linux" or backend not in (None, "v4l2loopback") or (backend is None and others):
        return
    loaded = os.path.exists(LOOPBACK_MODULE)
    if device is None and not loaded:
        raise DeviceUnavailable("no virtual camera available (v4l2loopback is not loaded); " + missing_help())
    if device is not None and not os.path.exists(device) and not device.startswith("/dev/"):
        # (`--vcam-device x.mp4`, a name that is no device's at all: loading v4l2loopback, as it
        # said, makes no x.mp4; the name is the user's to change, exit 2)
        raise DeviceNameError(f"no virtual camera {device} available (not a video device: /dev/videoN, or N); "
                              f"it is not a virtual camera: {PICK_ANOTHER}")
    if device is not None and not os.path.exists(device):
        # (the module loaded, another device number: loading it again is not the answer, and
        # the number is the user's to change, exit 2; none loaded: loading it is, exit 1)
        if loaded:
            raise DeviceNameError(f"no virtual camera {device} available (no such device); {PICK_ANOTHER}")
        raise DeviceUnavailable(f"no virtual camera {device} available (no such device); " + missing_help())
    if device is not None:
        # a node that is certainly no loopback (a webcam -- `livecut cam 0 --vcam-device
        # /dev/video0` --, a file, a folder): said before a camera turns on; one that cannot be
        # asked (no permission) is left to the open, which says why
        from livecut.devices import _query_v4l2

        _, driver, _ = _query_v4l2(Path(device))
        try:
            node = stat.S_ISCHR(os.stat(device).st_mode)
        except OSError:  # (gone since: the open says so)
            node = True
        what = (f"its driver is {driver}" if driver and driver != "v4l2 loopback"
                else "not a device" if not node
                # (a device that opens but answers no V4L2 query: /dev/null, a media controller)
                else "not a V4L2 device" if not driver and _opens(device) else "")
        if what:
            raise DeviceNameError(f"no virtual camera {device} available ({what}); "
                                  f"it is not a virtual camera: {PICK_ANOTHER}")


def _opens(device: str) -> bool:
    """Whether ``device`` opens read-only (no permission, gone: False)."""
    try:
        os.close(os.open(device, os.O_RDONLY | os.O_NONBLOCK))
    except OSError:
        return False
    return True


class VcamSink:
    """Send frames to a virtual camera; see the module docstring."""

    #: what a run's message calls it, and why it could not be finished once given up on
    label = "the virtual camera"
    stall_reason = "sending a frame to it did not return (a reader that stalled the device)"
    #: watched as it plays: a live run hands it its newest frame, the older ones waiting dropped
    #: (see runner.Pipeline._newest_only)
    live_view = True

    def __init__(self, info: SinkInfo, cfg: VideoConfig | None = None, *, device: str | None = None,
                 backend: str | None = None, pace: bool | Callable[[], bool] = True) -> None:
        self.info = info
        self.cfg = cfg or VideoConfig()
        self.device = device or None
        self.backend = backend or None
        if not callable(pace):
            from livecut.frames import check_flag

            pace = check_flag(pace, "pace", "open_sink")  # ('no' is truthy: it was paced)
        self.pace = pace
        self.fps = float(info.fps) if info.fps and info.fps > 0 else 30.0
        #: a camera has no display rotation: a phone's portrait clip is sent turned upright
        self._upright = Upright(info.rotation)
        self.width, self.height = self._upright.size(int(info.width), int(info.height))
        self.negotiated: dict[str, Any] = {}
        self.frames = 0
        self._cam: Any = None
        self._closed = False
        self._pacer = Pacer(self.fps, RESYNC_AFTER) if pace else None
        #: ``pace`` a callable: paced while it says so (a stream on probation: see runner.run_video)
        self._paced = pace if callable(pace) else None
        self._fit = Fitter()
        #: what the run's summary should say (a picture that changed size mid-run)
        self.warnings: list[str] = []
        sar = info.sample_aspect
        if sar and sar != 1 and self._upright.quarter:  # (said as shown: turned, the pixels are 1/sar)
            sar = 1 / sar
        if sar and sar != 1:  # (720x576 16:9: it went out squeezed, 5:4, without a word)
            self.warnings.append(f"non-square pixels ({sar.numerator}:{sar.denominator}) sent as square, the "
                                 "picture squeezed: a virtual camera cannot say their shape")
        self._green: np.ndarray | None = None
        self._gray_bgr: np.ndarray | None = None  # a mask as BGR (see _convert)
        self._sent: np.ndarray | None = None  # a cropped frame in one block (see _convert)

    # ------------------------------------------------------------ open / close

    def open(self) -> "VcamSink":
        if self._cam is not None:
            return self
        if self._closed:
            raise VideoWriteError("virtual camera: already closed")
        pvc = import_pyvirtualcam()
        _check_backend(pvc, self.backend)
        if self.width < 2 or self.height < 2:
            raise VideoWriteError(f"virtual camera: bad frame size {self.width}x{self.height}")
        if self.width % 2 or self.height % 2:
            # YUV devices need even sizes: send one pixel less rather than fail (and say so, as a
            # video file says it)
            odd = f"{self.width}x{self.height}"
            self.width -= self.width % 2
            self.height -= self.height % 2
            self.warnings.append(f"frames {odd} sent to the virtual camera as {self.width}x{self.height} "
                                 "(its YUV formats need even sides)")
        fmt = pvc.PixelFormat.BGR  # (a mask too: see the module docstring)
        try:
            cam = pvc.Camera(self.width, self.height, self.fps, fmt=fmt, device=self.device,
                             backend=self.backend)
        except Exception as exc:  # pyvirtualcam raises RuntimeError/ValueError/OSError per backend
            raise _open_failure(self.device, backend_reason(exc)) from None
        self._cam = cam
        try:
            native = cam.native_fmt
            self.negotiated = {"device": cam.device, "backend": cam.backend, "width": cam.width,
                               "height": cam.height, "fps": cam.fps,
                               "pixel_format": str(native) if native else str(fmt)}
        except Exception as exc:
            # (a backend, a plugin's, that opened and then failed when asked its device or pixel
            # format: 'internal error: RuntimeError: ...', the camera left open; the device opened,
            # so not one named wrong: the run's failure, exit 1, as a send that fails)
            try:
                self.close()
            except VideoWriteError:
                pass
            where = f" {self.device}" if self.device else ""
            raise VideoWriteError(f"virtual camera{where}: opened, then failed when asked its device and "
                                  f"pixel format: {' '.join(str(exc).split()) or type(exc).__name__}") from None
        log.info("virtual camera %s (%s): %dx%d @ %s fps, %s", cam.device, cam.backend,
                 cam.width, cam.height, fps_text(cam.fps), self.negotiated["pixel_format"])
        return self

    def close(self) -> None:
        self._closed = True
        cam, self._cam = self._cam, None
        if cam is not None:
            try:
                cam.close()
            except Exception as exc:
                # (pyvirtualcam takes its camera for closed only once its backend's close
                # returned: collected, the camera closed it again, which failed again and
                # printed "Exception ignored in ... Camera.__del__" and a traceback under the
                # run's one line)
                if getattr(cam, "_backend", None) is not None:
                    cam._backend = None
                raise VideoWriteError(f"virtual camera: closing failed: {exc}") from None

    def cancel(self) -> None:
        """A send blocked on the device cannot be made to fail; said so that the pipeline
        takes the virtual camera for a peer whose reader can stall it (not a slow encoder to
        wait for): after Ctrl-C a send that does not end leaves it abandoned."""

    def abandon(self) -> None:
        """Give the device up while a send may still be running in another thread: it is not
        closed under that send (kept referenced; the process ends without closing it)."""
        self._closed = True
        self.abandoned = True
        self._abandoned, self._cam = self._cam, None

    def __enter__(self) -> "VcamSink":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ frames

    def _flatten(self, bgra: np.ndarray) -> np.ndarray:
        """BGRA over chroma green -> BGR (cv2.blendLinear: ~5 ms at 1280x720), in reused buffers."""
        h, w = bgra.shape[:2]
        if self._green is None or self._green.shape[:2] != (h, w):
            self._green = np.empty((h, w, 3), np.uint8)
            self._green[:] = KEY_GREEN
            self._bgr = np.empty((h, w, 3), np.uint8)
            self._flat = np.empty((h, w, 3), np.uint8)
            self._w_fg = np.empty((h, w), np.float32)
            self._w_bg = np.empty((h, w), np.float32)
            self._alpha = np.empty((h, w), np.uint8)
        # (the alpha taken out into a plane of ours: OpenCV copied the strided bgra[:, :, 3]
        # into a new one each frame)
        cv2.extractChannel(bgra, 3, dst=self._alpha)
        blend_weights(self._alpha, self._w_fg, self._w_bg)
        cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR, dst=self._bgr)
        return cv2.blendLinear(self._bgr, self._green, self._w_fg, self._w_bg, dst=self._flat)

    def _convert(self, image: np.ndarray) -> np.ndarray:
        if image.ndim == 3 and image.shape[2] == 1:
            image = image.reshape(image.shape[:2])
        image = self._upright(image)
        # (an odd size, or a picture that changed size mid-run: fitted with its shape kept;
        # before a cutout is flattened, so that its bars, transparent, go out key green as
        # its background does, not black)
        image = self._fit(image, self.width, self.height, self.warnings)
        if image.ndim == 3 and image.shape[2] == 4:
            image = self._flatten(image)
        if image.ndim == 2:
            if self._gray_bgr is None or self._gray_bgr.shape[:2] != image.shape:
                self._gray_bgr = np.empty(image.shape + (3,), np.uint8)  # (kept: a new one a frame before)
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR, dst=self._gray_bgr)
        if not image.flags.c_contiguous:
            # (an odd size's view, its last row and column cut: np.ascontiguousarray made a
            # new frame of it each frame; pyvirtualcam takes one in a single block)
            if self._sent is None or self._sent.shape != image.shape:
                self._sent = np.empty(image.shape, np.uint8)
            np.copyto(self._sent, image)
            image = self._sent
        return image

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        check_pts(pts, "virtual camera")
        # (None, an empty frame: a bare AttributeError, ZeroDivisionError; 2 channels said in
        # pyvirtualcam's words, "unexpected frame shape", after the device was opened for it)
        check_frame(image, "virtual camera")
        if self._cam is None:
            self.open()
        frame = self._convert(image)
        if self._pacer is not None and (self._paced is None or self._paced()):
            self._pacer.wait(pts)
        try:
            self._cam.send(frame)
        except Exception as exc:
            raise VideoWriteError(f"virtual camera {self.negotiated.get('device', '')}: "
                                  f"cannot send a frame: {exc}") from None
        self.frames += 1


def _is_vcam(spec: str) -> bool:
    return spec == "vcam" or spec.startswith("vcam:")


def device_path(device: str | None) -> str | None:
    """The device a virtual camera's name gives: on Linux a bare number N is ``/dev/videoN``, as
    ``livecut cam N`` reads a camera (``--vcam-device 10`` was the file ``10`` in the current
    folder: "no virtual camera 10 available (no such device); load v4l2loopback")."""
    if device and device.isdigit() and device.isascii() and platform.system() == "Linux":
        return f"/dev/video{int(device)}"
    return device


def _spec_device(spec: str) -> str | None:
    """The device ``vcam:/dev/videoN`` (``vcam:N``) names (None: ``vcam``, the first one)."""
    return device_path(spec[len("vcam:"):] or None) if spec.startswith("vcam:") else None


def _check_spec(spec: str, channels: int, cfg: VideoConfig) -> None:
    """``-o vcam`` (``vcam:DEVICE``): a virtual camera that certainly cannot open is said before
    a stream is waited for or a camera turned on, as for --vcam (:func:`check_available`; it
    waited video.open_timeout for the stream, then said 'no data within 10 s')."""
    check_available(_spec_device(spec))


@register_sink("vcam", _is_vcam, check=_check_spec)
def open_vcam(spec: str, info: SinkInfo, cfg: VideoConfig, **options: Any) -> VcamSink:
    """``vcam`` or ``vcam:/dev/videoN``; options: device, backend, pace."""
    device = device_path(options.get("device"))
    if device is None:
        device = _spec_device(spec)
    return VcamSink(info, cfg, device=device, backend=options.get("backend"),
                    pace=options.get("pace", True))
