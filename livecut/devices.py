"""``livecut devices``: cameras, virtual cameras, and what is missing for them.

Linux: every ``/dev/videoN`` from sysfs (``/sys/class/video4linux/videoN/name``);
v4l2loopback devices live under ``/sys/devices/virtual/video4linux``.  Each node
is asked, read-only and non-blocking, what it is (``VIDIOC_QUERYCAP``) and which
formats, sizes and frame rates it offers (``VIDIOC_ENUM_FMT`` /
``ENUM_FRAMESIZES`` / ``ENUM_FRAMEINTERVALS``); nothing is streamed.  With
``probe=True`` capture devices are also opened once with OpenCV (bounded by a
timeout) to read the size and fps it would get.

macOS/Windows give no device names without extra packages: with ``probe=True``
camera indices 0-4 are opened with OpenCV.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

# ---------------------------------------------------------------- V4L2 ioctls (linux/videodev2.h)

_CAP_VIDEO_CAPTURE = 0x00000001
_CAP_VIDEO_CAPTURE_MPLANE = 0x00001000
_CAP_DEVICE_CAPS = 0x80000000
_BUF_TYPE_VIDEO_CAPTURE = 1
_FRMSIZE_TYPE_DISCRETE = 1
_FRMIVAL_TYPE_DISCRETE = 1


class _Capability(ctypes.Structure):
    _fields_ = [("driver", ctypes.c_char * 16), ("card", ctypes.c_char * 32),
                ("bus_info", ctypes.c_char * 32), ("version", ctypes.c_uint32),
                ("capabilities", ctypes.c_uint32), ("device_caps", ctypes.c_uint32),
                ("reserved", ctypes.c_uint32 * 3)]


class _FmtDesc(ctypes.Structure):
    _fields_ = [("index", ctypes.c_uint32), ("type", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("description", ctypes.c_char * 32), ("pixelformat", ctypes.c_uint32),
                ("mbus_code", ctypes.c_uint32), ("reserved", ctypes.c_uint32 * 3)]


class _FrmSize(ctypes.Structure):
    _fields_ = [("index", ctypes.c_uint32), ("pixel_format", ctypes.c_uint32), ("type", ctypes.c_uint32),
                ("u", ctypes.c_uint32 * 6), ("reserved", ctypes.c_uint32 * 2)]


class _FrmIval(ctypes.Structure):
    _fields_ = [("index", ctypes.c_uint32), ("pixel_format", ctypes.c_uint32), ("width", ctypes.c_uint32),
                ("height", ctypes.c_uint32), ("type", ctypes.c_uint32), ("u", ctypes.c_uint32 * 6),
                ("reserved", ctypes.c_uint32 * 2)]


def _ior(nr: int, size: int, write: bool = True) -> int:
    # _IOWR('V', nr, size) when write else _IOR
    direction = 3 if write else 2
    return (direction << 30) | (size << 16) | (ord("V") << 8) | nr


VIDIOC_QUERYCAP = _ior(0, ctypes.sizeof(_Capability), write=False)
VIDIOC_ENUM_FMT = _ior(2, ctypes.sizeof(_FmtDesc))
VIDIOC_ENUM_FRAMESIZES = _ior(74, ctypes.sizeof(_FrmSize))
VIDIOC_ENUM_FRAMEINTERVALS = _ior(75, ctypes.sizeof(_FrmIval))


def _fourcc(code: int) -> str:
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip()


# ---------------------------------------------------------------- results

@dataclass
class VideoDevice:
    path: str                              #: /dev/video0, or an OpenCV index as text
    name: str                              #: what the system calls it
    kind: str                              #: "camera", "virtual", "other" (metadata, codec ...)
    driver: str = ""
    formats: list[str] = field(default_factory=list)   #: "YUYV 640x480 @30,15" ...
    probed: str = ""                       #: what OpenCV got when it opened it ("" = not probed)


@dataclass
class DeviceReport:
    cameras: list[VideoDevice] = field(default_factory=list)
    virtual: list[VideoDevice] = field(default_factory=list)
    other: list[VideoDevice] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   #: what to install/load, one line each
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- linux

def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def _enum_formats(fd: int, max_formats: int = 8) -> list[tuple[str, list[tuple[int, int, list[float]]], str]]:
    """``(fourcc, [(width, height, frame rates)], range)`` for each capture format a node
    offers (``range``: "WxH..WxH" for a stepwise size, with no discrete sizes listed)."""
    import fcntl

    out = []
    for i in range(max_formats):
        fmt = _FmtDesc(index=i, type=_BUF_TYPE_VIDEO_CAPTURE)
        try:
            fcntl.ioctl(fd, VIDIOC_ENUM_FMT, fmt)
        except OSError:
            break
        sizes: list[tuple[int, int, list[float]]] = []
        stepwise = ""
        for j in range(32):
            fs = _FrmSize(index=j, pixel_format=fmt.pixelformat)
            try:
                fcntl.ioctl(fd, VIDIOC_ENUM_FRAMESIZES, fs)
            except OSError:
                break
            if fs.type != _FRMSIZE_TYPE_DISCRETE:
                # (v4l2_frmsize_stepwise: min_width, max_width, step_width, min_height,
                # max_height, step_height)
                stepwise = f"{fs.u[0]}x{fs.u[3]}..{fs.u[1]}x{fs.u[4]}"
                break
            w, h = fs.u[0], fs.u[1]
            rates: list[float] = []
            for k in range(16):
                fi = _FrmIval(index=k, pixel_format=fmt.pixelformat, width=w, height=h)
                try:
                    fcntl.ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, fi)
                except OSError:
                    break
                if fi.type == _FRMIVAL_TYPE_DISCRETE and fi.u[0]:
                    rates.append(fi.u[1] / fi.u[0])
                else:
                    break
            sizes.append((w, h, rates))
        out.append((_fourcc(fmt.pixelformat), sizes, stepwise))
    return out


@contextlib.contextmanager
def _v4l2_node(dev: str | Path) -> Iterator[tuple[int, int, str] | None]:
    """``(fd, device caps, driver)`` of a V4L2 node opened read-only, closed after; None when
    it cannot be opened or asked (not Linux, no permission, not a V4L2 node)."""
    try:
        import fcntl  # POSIX only: not at the top, so ``livecut devices`` imports on Windows
    except ImportError:
        yield None
        return
    try:
        fd = os.open(dev, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        yield None
        return
    try:
        cap = _Capability()
        try:
            fcntl.ioctl(fd, VIDIOC_QUERYCAP, cap)
        except OSError:
            yield None
            return
        caps = cap.device_caps if cap.capabilities & _CAP_DEVICE_CAPS else cap.capabilities
        yield fd, caps, cap.driver.decode(errors="replace")
    finally:
        os.close(fd)


def _query_v4l2(dev: Path, max_formats: int = 8) -> tuple[int | None, str, list[str]]:
    """(device caps, driver, formats) from ioctls; (None, '', []) when the node cannot be asked."""
    with _v4l2_node(dev) as node:
        if node is None:
            return None, "", []
        fd, caps, driver = node
        formats: list[str] = []
        if caps & _CAP_VIDEO_CAPTURE:
            for fourcc, sizes, stepwise in _enum_formats(fd, max_formats):
                shown = [f"{w}x{h}" + (f" @{','.join(f'{r:g}' for r in rates)}" if rates else "")
                         for w, h, rates in sizes] + ([stepwise] if stepwise else [])
                formats.append(f"{fourcc}: " + ("; ".join(shown) or "any size"))
        return caps, driver, formats


def camera_formats(dev: str | Path) -> dict[str, dict[tuple[int, int], list[float]]] | None:
    """The capture formats a camera node offers, asked read-only as ``livecut devices`` does:
    ``{fourcc: {(width, height): [frame rates]}}`` (discrete sizes only); None when the node
    cannot be asked (not Linux, no permission, not a V4L2 capture device)."""
    with _v4l2_node(dev) as node:
        if node is None or not node[1] & _CAP_VIDEO_CAPTURE:
            return None
        return {fourcc: {(w, h): rates for w, h, rates in sizes}
                for fourcc, sizes, _ in _enum_formats(node[0], max_formats=16)}


#: the name of the thread a camera is probed in (see _probe_opencv): one that did not answer
#: within its time is left in OpenCV's open, and ``livecut devices`` ends the process with it
#: there (see livecut.cli._exit_now_if_an_open_waits)
PROBE_THREAD = "livecut-camera-probe"


def _probe_opencv(target: Any, timeout: float = 3.0) -> str:
    """Open a capture with OpenCV once, read its size/fps, release it; bounded by ``timeout``."""
    result: list[str] = []

    def work() -> None:
        import cv2
        backend = cv2.CAP_V4L2 if platform.system() == "Linux" else cv2.CAP_ANY
        cap = cv2.VideoCapture(target, backend)
        try:
            if not cap.isOpened():
                result.append("cannot open (busy or not a camera)")
                return
            w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
            fps = cap.get(cv2.CAP_PROP_FPS)
            result.append(f"opens at {w}x{h}" + (f" @{fps:g} fps" if fps and fps > 0 else ""))
        finally:
            cap.release()

    from livecut.threads import Worker

    # (a Worker: a program that lists the devices from Python and ends with a probe left waits
    # for it a while, see livecut.threads._wait_for_workers)
    t = Worker(target=work, name=PROBE_THREAD, daemon=True)
    t.start()
    t.join(timeout)
    return result[0] if result else f"no answer within {timeout:g} s"


def _linux(report: DeviceReport, probe: bool, sysfs: Path, dev: Path) -> None:
    cls = sysfs / "class" / "video4linux"
    nodes = sorted(cls.glob("video*"), key=lambda p: int(p.name[5:]) if p.name[5:].isdigit() else 0)
    for node in nodes:
        path = dev / node.name
        name = _read(node / "name") or node.name
        try:
            real = str(node.resolve())
        except OSError:
            real = str(node)
        is_loopback = "/devices/virtual/" in real
        caps, driver, formats = _query_v4l2(path)
        if is_loopback or driver == "v4l2 loopback":
            kind = "virtual"
        elif caps is None:
            kind = "camera"   # could not ask: list it where the user looks for it
        elif caps & (_CAP_VIDEO_CAPTURE | _CAP_VIDEO_CAPTURE_MPLANE):
            kind = "camera"
        else:
            kind = "other"    # metadata node, codec, output-only device
        d = VideoDevice(path=str(path), name=name, kind=kind, driver=driver, formats=formats)
        if kind == "camera" and probe and path.exists():
            d.probed = _probe_opencv(str(path))
        {"camera": report.cameras, "virtual": report.virtual, "other": report.other}[kind].append(d)
        if caps is None and path.exists() and not os.access(path, os.R_OK):
            report.notes.append(f"{path}: no permission to read (add yourself to the 'video' group)")
    if not (sysfs / "module" / "v4l2loopback").exists():
        report.missing.append("v4l2loopback is not loaded: sudo apt install v4l2loopback-dkms && "
                              "sudo modprobe v4l2loopback exclusive_caps=1 card_label=livecut")
    elif not report.virtual:
        report.missing.append("v4l2loopback is loaded but has no device: sudo modprobe -r v4l2loopback && "
                              "sudo modprobe v4l2loopback exclusive_caps=1 card_label=livecut")
    if not nodes:
        report.notes.append("no /dev/video* devices")


def _other_platform(report: DeviceReport, probe: bool) -> None:
    if probe:
        for i in range(5):
            res = _probe_opencv(i, timeout=3.0)
            if res.startswith("opens"):
                report.cameras.append(VideoDevice(path=str(i), name=f"camera {i}", kind="camera",
                                                  probed=res))
    else:
        report.notes.append("camera names are not available on this platform: "
                            "run `livecut devices --probe` to try indices 0-4")
    report.notes.append("virtual camera: the OBS Virtual Camera (OBS Studio 28+) is used by --vcam")


def list_devices(probe: bool = False, *, system: str | None = None, sysfs: Path = Path("/sys"),
                 dev: Path = Path("/dev")) -> DeviceReport:
    """Cameras and virtual cameras on this machine, and what is missing for ``--vcam``."""
    report = DeviceReport()
    system = system or platform.system()
    if system == "Linux":
        _linux(report, probe, sysfs, dev)
    else:
        _other_platform(report, probe)
    try:
        import pyvirtualcam  # noqa: F401
    except ImportError as exc:
        from livecut.sinks.vcam import VCAM_INSTALL, pyvirtualcam_broken

        report.missing.insert(0, pyvirtualcam_broken(exc) or f"pyvirtualcam is not installed: {VCAM_INSTALL}")
    return report


def format_devices(report: DeviceReport) -> str:
    lines: list[str] = []

    def section(title: str, items: list[VideoDevice], empty: str) -> None:
        lines.append(f"{title}:")
        if not items:
            lines.append(f"  {empty}")
        for d in items:
            lines.append(f"  {d.path:14s} {d.name}" + (f"  [{d.driver}]" if d.driver else ""))
            for f in d.formats:
                lines.append(f"  {'':14s}   {f}")
            if d.probed:
                lines.append(f"  {'':14s}   {d.probed}")

    section("cameras", report.cameras, "none found")
    section("virtual cameras (--vcam)", report.virtual, "none found")
    if report.other:
        lines.append("other video nodes (not cameras): "
                     + ", ".join(f"{d.path} ({d.name})" for d in report.other))
    for note in report.notes:
        lines.append(f"note: {note}")
    for miss in report.missing:
        lines.append(f"missing: {miss}")
    return "\n".join(lines)
