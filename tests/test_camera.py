"""The webcam source and `livecut cam` with a fake OpenCV capture (no camera needed) and a
fake pyvirtualcam backend (no v4l2loopback needed)."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
import types

import cv2
import numpy as np
import pytest

import livecut.devices
from conftest import probe
from livecut.config import VideoConfig, load_config
from livecut.runner import Interrupted, run_video
from livecut.sources import camera
from livecut.sources.camera import CameraSource


class FakeCapture:
    """cv2.VideoCapture's part a camera uses.  Class attributes script its behaviour."""

    size = (160, 120)           #: what it delivers, whatever was asked
    fps = 30.0                  #: what get(CAP_PROP_FPS) says
    fail_from: int | None = None   #: read() returns False from this frame on (unplugged)
    fail_blocks = 0.0           #: seconds a failing read() waits first (V4L2 waits in select)
    stall_at: int | None = None    #: read() of this frame blocks for stall_s seconds
    stall_s = 0.0
    stalled_at: float | None = None  #: perf_counter() when the stall began
    unstall = threading.Event()  #: (see reset)
    #: the pixel formats it offers, as livecut.devices.camera_formats answers (None: not said);
    #: with them it opens in the first of OpenCV's order, takes a format it offers, and
    #: delivers the size asked at the best rate its format has there, up to the one asked
    formats: dict | None = None
    instances: list["FakeCapture"] = []
    #: the opening (0: the first) from which it is plugged in again: those before it after
    #: fail_from open as nothing (unplugged); None: never back
    back_at: int | None = None
    delivered = 0  #: frames delivered by all its openings (fail_from counts them)

    def __init__(self, index, backend=None):
        self.index, self.n, self.released = index, 0, 0
        self.into = 0  #: frames read into a buffer handed to read()
        self.reading = False
        self.released_while_reading = False
        self.asked: dict = {}
        self._next = None
        self.number = len(FakeCapture.instances)  #: its opening (0: the first)
        FakeCapture.instances.append(self)

    def _unplugged(self):
        if self.fail_from is None or FakeCapture.delivered < self.fail_from:
            return False
        return self.back_at is None or self.number < self.back_at

    @classmethod
    def reset(cls):
        cls.size, cls.fps, cls.fail_from, cls.fail_blocks = (160, 120), 30.0, None, 0.0
        cls.stall_at, cls.stall_s, cls.stalled_at = None, 0.0, None
        #: ends a stall early: set when the test ends (a stalled read left behind kept its
        #: livecut-reader thread alive into the next tests, which check that none is left)
        cls.unstall = threading.Event()
        cls.instances = []
        cls.formats = None
        cls.back_at, cls.delivered = None, 0

    def isOpened(self):
        return self.number == 0 or not self._unplugged()

    def set(self, prop, value):
        self.asked[prop] = value
        if prop == cv2.CAP_PROP_FOURCC:
            return self._format() == _letters(value)
        return True

    def _format(self):
        offered = self.formats or {}
        asked = _letters(self.asked.get(cv2.CAP_PROP_FOURCC, 0))
        return asked if asked in offered else next(f for f in ("YUYV", "MJPG") if f in offered)  # (OpenCV's order)

    def _delivers(self):
        """(width, height), fps"""
        if not self.formats:
            return self.size, self.fps
        size = (int(self.asked.get(cv2.CAP_PROP_FRAME_WIDTH, 640)), int(self.asked.get(cv2.CAP_PROP_FRAME_HEIGHT, 480)))
        rates = self.formats[self._format()][size]
        return size, min(max(rates), self.asked.get(cv2.CAP_PROP_FPS, 30.0))

    def get(self, prop):
        if prop == cv2.CAP_PROP_FOURCC:
            return float(cv2.VideoWriter_fourcc(*self._format())) if self.formats else 0.0
        return self._delivers()[1] if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self, image=None):
        """As OpenCV's: into ``image`` where it is of the frame's size and type, else a new array."""
        self.reading = True
        try:
            if self.released:
                return False, None
            if self._unplugged():
                time.sleep(self.fail_blocks)
                return False, None
            if self.n == self.stall_at:
                FakeCapture.stalled_at = time.perf_counter()
                FakeCapture.unstall.wait(self.stall_s)  # (as V4L2's read waits, deaf to stop())
            now = time.perf_counter()  # deliver at the camera's rate
            self._next = now if self._next is None else max(self._next + 1 / self.fps, now - 0.5)
            if self._next > now:
                time.sleep(self._next - now)
            self.n += 1
            FakeCapture.delivered += 1
            w, h = self._delivers()[0]
            img = np.full((h, w, 3), 40, np.uint8)
            img[h // 4:3 * h // 4, w // 4:3 * w // 4] = np.random.default_rng(self.n).integers(
                0, 255, (3 * h // 4 - h // 4, 3 * w // 4 - w // 4, 3), np.uint8)
            if isinstance(image, np.ndarray) and image.shape == img.shape and image.dtype == img.dtype:
                self.into += 1
                image[...] = img
                return True, image
            return True, img
        finally:
            self.reading = False

    def release(self):
        if self.reading:
            self.released_while_reading = True
        self.released += 1


def _letters(code):
    n = int(code)
    return "".join(chr((n >> (8 * i)) & 0xFF) for i in range(4))


class FakeVcam:
    """A pyvirtualcam backend that records the time of each frame sent."""

    instances: list["FakeVcam"] = []

    def __init__(self, *, width, height, fps, fourcc, device, **kw):
        self.width, self.height, self.fps = width, height, fps
        self.sent: list[float] = []
        self.shapes: set = set()  #: the shapes of the frames sent
        self.closed = 0
        FakeVcam.instances.append(self)

    def send(self, frame):
        self.sent.append(time.perf_counter())
        self.shapes.add(frame.shape)

    def close(self):
        self.closed += 1

    def device(self):
        return "/dev/video42"

    def native_fourcc(self):
        return None


@pytest.fixture
def fake_camera(monkeypatch):
    """`livecut cam N` opens a FakeCapture (and /dev/videoN exists for it)."""
    FakeCapture.reset()
    monkeypatch.setattr(cv2, "VideoCapture", FakeCapture)
    monkeypatch.setitem(CameraSource.__init__.__kwdefaults__, "capture_factory", FakeCapture)

    class _Dev:
        def __init__(self, path):
            self.path = str(path)

        def exists(self):
            return self.path.startswith("/dev/video")

    monkeypatch.setattr(camera, "Path", _Dev)
    monkeypatch.setattr(camera, "sys", types.SimpleNamespace(platform="linux"))
    monkeypatch.setattr(livecut.devices, "camera_formats", lambda dev: FakeCapture.formats,  # (never a real node)
                        raising=False)
    yield FakeCapture
    FakeCapture.unstall.set()


@pytest.fixture
def fake_vcam(monkeypatch):
    pyvirtualcam = pytest.importorskip("pyvirtualcam")
    FakeVcam.instances = []
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeVcam})  # never a real device
    return FakeVcam


#: a camera lost is not opened again (video.reconnect off): its loss ends the run at once
NO_REOPEN = ("--set", "video.reconnect=false")


def _cli(args):
    from livecut.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


# ---------------------------------------------------------------- a camera that goes away

def test_an_unplugged_camera_ends_the_run_with_the_recording_kept(fake_camera, fake_vcam, tmp_path, capsys):
    """A camera unplugged mid-run (read() fails from then on) raised DeviceUnavailable in the
    reader: exit 1, and the recording was thrown away (a failed run's output is discarded).
    Now it ends the run as a lost stream does: the outputs finalised, one line, exit 3."""
    fake_camera.fail_from = 20
    out = tmp_path / "rec.mp4"
    t0 = time.monotonic()
    code = _cli(["cam", "0", *NO_REOPEN, "-o", str(out), "--vcam", "-q"])
    took = time.monotonic() - t0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 3, err
    assert len(lines) == 1 and lines[0].startswith("livecut: error: camera 0: lost"), err
    m = re.search(rf"{re.escape(str(out))} holds the (\d+) frames? written(; \d+ frames? dropped)?$", lines[0])
    assert m and "Traceback" not in err, err
    # playable, with the frames written (all 20 read, unless slow processing dropped some)
    assert 1 <= int(m.group(1)) <= 20 and probe(out)["frames"] == int(m.group(1))
    assert fake_vcam.instances[-1].closed == 1 and fake_camera.instances[-1].released == 1
    assert took < 15, took


def test_a_camera_lost_mid_run_is_opened_again_and_the_run_goes_on(fake_camera, fake_vcam, tmp_path, capsys):
    """`livecut cam 0 --vcam -o rec.mp4`, the camera unplugged mid-call (its reads failing, its
    opening failing twice, then plugged in again): the run ended, 'camera 0: lost', exit 3,
    where a network stream is reconnected to.  It is opened again now, as a stream is
    (video.reconnect): said once, the run going on with its frames, exit 0."""
    fake_camera.fail_from, fake_camera.back_at = 20, 3
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "-o", str(out), "--vcam", "-n", "40"])
    err = capsys.readouterr().err
    assert code == 0, err
    said = [ln for ln in err.splitlines() if "reopening" in ln]
    assert said == ["livecut: camera 0 lost (it stopped delivering frames: unplugged, or taken by "
                    "another program?); reopening"], err
    assert "Traceback" not in err and "error" not in err, err
    assert len(fake_camera.instances) == 4 and fake_camera.delivered > 20   # (the 4th opening delivered)
    assert [c.released for c in fake_camera.instances] == [1, 1, 1, 1]
    assert probe(out)["frames"] == 40 and fake_vcam.instances[-1].closed == 1
    assert len(fake_vcam.instances) == 1   # (the virtual camera kept, not opened again)


def test_a_camera_that_does_not_come_back_is_given_up_on_as_a_stream_is(fake_camera, fake_vcam, tmp_path, capsys):
    """A camera unplugged for good: opened again every half second until video.reconnect_limit
    seconds pass without a frame, then lost as a stream given up on: exit 3, the outputs kept."""
    fake_camera.fail_from = 20
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "-o", str(out), "--vcam", "-q", "--set", "video.reconnect_limit=1"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 3, err
    assert re.fullmatch(rf"livecut: error: camera 0: lost \(it stopped delivering frames: unplugged, or taken by "
                        rf"another program\?; gave up after \d+ s without a frame\); {re.escape(str(out))} holds "
                        rf"the (\d+) frames? written(; \d+ frames? dropped)?", lines[-1]), err
    assert len(fake_camera.instances) >= 2 and all(c.released == 1 for c in fake_camera.instances)
    assert 1 <= probe(out)["frames"] <= 20 and fake_vcam.instances[-1].closed == 1


def _back_at(fake_camera, monkeypatch, size):
    """The camera unplugged after 10 frames, plugged in again at its next opening delivering ``size``."""
    fake_camera.fail_from, fake_camera.back_at = 10, 1
    real = fake_camera.__init__

    def init(self, *a, **kw):
        real(self, *a, **kw)
        if self.number:
            self.size = size

    monkeypatch.setattr(fake_camera, "__init__", init)


def test_a_camera_that_comes_back_at_another_size_goes_on_fitted_into_the_first_size(
        fake_camera, fake_vcam, tmp_path, capsys, monkeypatch):
    """A camera plugged in again that gives another size than before (another driver mode, a USB
    hub's renegotiation) ended the run, exit 3, 'it came back delivering 320x180, not the 160x120
    it gave before': the call reading the virtual camera lost it.  Now the run goes on, its frames
    fitted into the first size with their shape kept (black bars), said once as it comes back:
    the virtual camera and the recording keep the size they were opened at."""
    _back_at(fake_camera, monkeypatch, (320, 180))
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "-o", str(out), "--vcam", "-q", "-n", "30"])
    err = capsys.readouterr().err
    assert code == 0, err
    said = [ln for ln in err.splitlines() if "came back" in ln]
    assert said == ["livecut: camera 0 came back delivering 320x180, not the 160x120 it gave before: fitted "
                    "into 160x120 with its shape kept (black bars)"], err
    assert "error" not in err and "changed size" not in err, err   # (said once: not by the sinks too)
    assert fake_camera.delivered > 10 and len(fake_camera.instances) == 2
    import av

    with av.open(str(out)) as c:
        sizes = [(f.width, f.height) for f in c.decode(video=0)]
    assert len(sizes) == 30 and set(sizes) == {(160, 120)}, sizes
    vcam = fake_vcam.instances[-1]   # (kept, sent frames of one size: the one it was opened at)
    assert len(fake_vcam.instances) == 1 and (vcam.width, vcam.height) == (160, 120)
    assert vcam.shapes in ({(120, 160, 3)}, {(160 * 120 * 3,)}), vcam.shapes


def test_a_camera_back_at_another_size_gives_its_frames_letterboxed_at_the_first_size(fake_camera, monkeypatch):
    """The source's frames after it came back at 320x180: 160x120, the picture scaled to 160x90
    between black bars 15 rows deep (Frame.fit says where, for the engine's bars), read into
    the buffers given back."""
    _back_at(fake_camera, monkeypatch, (320, 180))
    with CameraSource(0, VideoConfig(), capture_factory=fake_camera) as src:
        frames = []
        for _ in range(16):
            f = src.read()
            frames.append((f.image.copy(), f.fit))
            src.release_frame(f.image)
    assert all(img.shape == (120, 160, 3) for img, _ in frames)
    assert all(fit is None for _, fit in frames[:10])
    for img, fit in frames[10:]:
        assert fit == (15, 105, 0, 160)
        assert img[:15].max() == 0 and img[105:].max() == 0 and img[15:105].min() > 0   # (the picture: 40 and up)
    assert src.fitted_sizes == [(320, 180)]
    assert fake_camera.instances[1].into >= 4   # (its frames read into one buffer, not a new one each)


def test_a_camera_back_at_a_size_too_small_is_still_lost(fake_camera, tmp_path, capsys, monkeypatch):
    """One that comes back at a picture under 16x16 is lost, saying so, as before."""
    _back_at(fake_camera, monkeypatch, (12, 12))
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "its picture became 12x12; livecut needs at least 16x16 pixels" in err, err
    assert "came back delivering" not in err, err


def test_ctrl_c_while_a_lost_camera_is_opened_again_ends_the_run(fake_camera, tmp_path, capsys):
    """Ctrl-C while a camera unplugged is waited for ends the run at once, the frames so far kept."""
    import _thread

    fake_camera.fail_from = 10
    seen = threading.Event()
    real = fake_camera.isOpened

    def is_opened(self):  # (Ctrl-C at its first opening again)
        if self.number == 1 and not seen.is_set():
            seen.set()
            _thread.interrupt_main()
        return real(self)

    fake_camera.isOpened = is_opened
    try:
        out = tmp_path / "rec.mp4"
        code = _cli(["cam", "0", "-o", str(out), "-q"])
    finally:
        fake_camera.isOpened = real
    err = capsys.readouterr().err
    assert code == 130 and f"interrupted ({out} finalized with" in err, err
    assert probe(out)["frames"] >= 1


def test_a_virtual_camera_that_fails_then_fails_to_close_says_the_first_failure(
        fake_camera, fake_vcam, monkeypatch, capsys):
    """`livecut cam 0 --vcam`, the device gone mid-run (v4l2loopback unloaded): its send failed,
    and then its close failed too ('VIDIOC_STREAMOFF failed: No such device'), and the line said
    only 'virtual camera: closing failed: ...', the failure the run stopped on hidden behind its
    consequence.  The first failure is the one said (exit 1, one line), as it is after a signal."""
    def send(self, frame):
        if len(self.sent) == 5:
            raise RuntimeError("Device /dev/video42: write failed: No such device")
        self.sent.append(time.perf_counter())

    def close(self):
        self.closed += 1
        raise RuntimeError("Device /dev/video42: VIDIOC_STREAMOFF failed: No such device")

    monkeypatch.setattr(fake_vcam, "send", send)
    monkeypatch.setattr(fake_vcam, "close", close)
    code = _cli(["cam", "0", "--vcam", "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1, err
    assert lines[0] == ("livecut: error: virtual camera /dev/video42: cannot send a frame: Device /dev/video42: "
                        "write failed: No such device"), err
    assert fake_vcam.instances[-1].closed == 1 and fake_camera.instances[-1].released == 1


def test_a_run_that_ends_after_one_frame_says_one_frame(fake_camera, tmp_path, capsys):
    """A camera lost after its first frame said 'rec.mkv holds the 1 frames written', and a
    run stopped by Ctrl-C then 'interrupted (rec.mkv finalized with 1 frames)'; one frame is
    said as one, as the frames dropped are ('1 frame dropped')."""
    from livecut.runner import _finalized

    fake_camera.fail_from = 1                     # (the frame read when it opened, then none)
    out = tmp_path / "rec.mkv"
    code = _cli(["cam", "0", *NO_REOPEN, "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 3 and err.rstrip().endswith(f"; {out} holds the 1 frame written"), err
    assert probe(out)["frames"] == 1
    assert _finalized(str(out), [], 1) == f" ({out} finalized with 1 frame)"
    assert _finalized(str(out), [], 2, dropped=1) == f" ({out} finalized with 2 frames; 1 frame dropped)"


def test_a_lost_camera_still_says_the_runs_warnings(fake_camera, tmp_path, capsys):
    """`livecut cam 0 --size 1280x720 -o rec.mp4`, the camera giving 160x120 and then lost: only
    the error line was printed, not the warning that the recording is 160x120 (a run that
    ends says it); it comes first now, then the error."""
    fake_camera.fail_from = 10
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", *NO_REOPEN, "--size", "1280x720", "-o", str(out), "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 3, err
    assert lines == ["livecut: warning: camera 0 delivers 160x120, not the requested 1280x720",
                     lines[-1]] and lines[-1].startswith("livecut: error: camera 0: lost"), err


def _ctrl_c_after(fake_camera, frames: int) -> None:
    """Ctrl-C (as the terminal sends it) once the fake camera has delivered ``frames`` frames."""
    import _thread
    import signal

    def interrupt():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (fake_camera.instances and fake_camera.instances[-1].n >= frames):
            time.sleep(0.01)
        _thread.interrupt_main(signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()


def test_ctrl_c_still_says_the_runs_warnings(fake_camera, tmp_path, capsys):
    """`livecut cam 0 --size 1280x720 -o rec.mp4` ended by Ctrl-C (as a live run ends), the camera
    giving 160x120: only 'interrupted (rec.mp4 finalized with N frames)' was printed, not the
    warning that the recording is 160x120, which a run that ends (or loses its camera) says; it
    comes first now, then the one error line."""
    import signal

    out = tmp_path / "rec.mp4"
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    _ctrl_c_after(fake_camera, 15)
    try:
        code = _cli(["cam", "0", "--size", "1280x720", "-o", str(out), "-q"])
    finally:  # (the CLI ignores signals once stopped by one: the process is on its way out)
        for s, h in saved.items():
            signal.signal(s, h)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 130, err
    assert lines == ["livecut: warning: camera 0 delivers 160x120, not the requested 1280x720",
                     lines[-1]] and lines[-1].startswith("livecut: error: interrupted ("), err
    assert probe(out)["frames"] >= 1


@pytest.mark.parametrize("end", ["ctrl-c", "lost"])
@pytest.mark.parametrize("output", ["vcam", "vcam:/dev/video10"])
def test_a_virtual_camera_as_the_output_is_not_said_to_hold_frames(fake_camera, fake_vcam, capsys, end, output):
    """`livecut cam 0 -o vcam` (the virtual camera as the output) ended by Ctrl-C said
    'interrupted (vcam finalized with 25 frames)', and lost 'camera 0: lost (...); vcam holds the
    10 frames written', as of a file named vcam: a virtual camera holds no frames.  The line is
    now the one `--vcam` gives (the drops counted), and the device is closed all the same."""
    import signal

    if end == "lost":
        fake_camera.fail_from = 10
    else:
        _ctrl_c_after(fake_camera, 15)
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        code = _cli(["cam", "0", *NO_REOPEN, "-o", output, "-q"])
    finally:  # (the CLI ignores signals once stopped by one: the process is on its way out)
        for s, h in saved.items():
            signal.signal(s, h)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == (130 if end == "ctrl-c" else 3) and len(lines) == 1, err
    said = ("interrupted" if end == "ctrl-c"
            else "camera 0: lost (it stopped delivering frames: unplugged, or taken by another program?)")
    assert re.fullmatch(rf"livecut: error: {re.escape(said)}( \(\d+ frames? dropped\)|; \d+ frames? dropped)?",
                        lines[0]), err
    assert fake_vcam.instances[-1].closed == 1


@pytest.mark.parametrize("flags", [("--vcam",), ("-o", "vcam")])
def test_ctrl_c_then_a_virtual_camera_that_fails_to_close_exits_130(fake_camera, fake_vcam, capsys, monkeypatch,
                                                                    flags):
    """`livecut cam 0 --vcam` (or -o vcam) ended by Ctrl-C, the virtual camera then failing to
    close (its device gone): 'virtual camera: closing failed', exit 1, as a failed run; it stays
    interrupted, exit 130, the closing's failure said at the end of the line."""
    import signal

    def close(self):
        self.closed += 1
        raise RuntimeError("Device /dev/video42: VIDIOC_STREAMOFF failed: No such device")

    monkeypatch.setattr(fake_vcam, "close", close)
    _ctrl_c_after(fake_camera, 15)
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        code = _cli(["cam", "0", *flags, "-q"])
    finally:  # (the CLI ignores signals once stopped by one: the process is on its way out)
        for s, h in saved.items():
            signal.signal(s, h)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 130 and len(lines) == 1, lines
    assert re.fullmatch(r"livecut: error: interrupted \((\d+ frames? dropped; )?virtual camera: closing failed: "
                        r"Device /dev/video42: VIDIOC_STREAMOFF failed: No such device\)", lines[0]), lines
    assert fake_vcam.instances[-1].closed == 1


@pytest.mark.parametrize("flags", [("--vcam",), ("-o", "vcam")])
def test_a_lost_camera_then_a_virtual_camera_that_fails_to_close_is_still_lost(fake_camera, fake_vcam, capsys,
                                                                                monkeypatch, flags):
    """`livecut cam 0 --vcam` (or -o vcam) whose camera is lost (unplugged), the virtual camera
    then failing to close (its device gone too): 'virtual camera: closing failed', exit 1, the
    loss unsaid.  It stays lost, exit 3, the closing's failure said at the end of the line."""
    def close(self):
        self.closed += 1
        raise RuntimeError("Device /dev/video42: VIDIOC_STREAMOFF failed: No such device")

    monkeypatch.setattr(fake_vcam, "close", close)
    fake_camera.fail_from = 10
    code = _cli(["cam", "0", *NO_REOPEN, *flags, "-q"])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 3 and len(lines) == 1, lines
    assert re.fullmatch(r"livecut: error: camera 0: lost \(it stopped delivering frames: unplugged, or taken by "
                        r"another program\?\)(; \d+ frames? dropped)?; virtual camera: closing failed: "
                        r"Device /dev/video42: VIDIOC_STREAMOFF failed: No such device", lines[0]), lines
    assert fake_vcam.instances[-1].closed == 1


@pytest.mark.parametrize("end", ["ctrl-c", "lost"])
def test_a_live_run_that_ends_without_its_summary_says_its_drops(fake_camera, tmp_path, monkeypatch, end):
    """A camera at 100 fps, processing at 30 ms a frame (the newest frame kept, the others
    dropped), ended by Ctrl-C or lost: the line said 'interrupted (rec.mp4 finalized with 30
    frames)' or '...: lost (...); rec.mp4 holds the 30 frames written', and nothing of the
    frames dropped, which only the summary (not printed then) counts; the line counts them."""
    from livecut.errors import LivecutError
    from livecut.runner import Processor

    real = Processor.__call__
    monkeypatch.setattr(Processor, "__call__", lambda self, *a, **kw: (time.sleep(0.03), real(self, *a, **kw))[1])
    fake_camera.fps = 100.0
    if end == "lost":
        fake_camera.fail_from = 60
    else:
        _ctrl_c_after(fake_camera, 60)
    pipes = []
    with pytest.raises(LivecutError) as e:
        run_video("0", str(tmp_path / "rec.mp4"), load_config(None, ["video.reconnect=false"]), progress=False, on_start=pipes.append)
    dropped = pipes[0].stats.dropped
    assert e.value.exit_code == (130 if end == "ctrl-c" else 3) and dropped > 0, str(e.value)
    assert f"; {dropped} frames dropped" in str(e.value), str(e.value)


def test_the_summary_names_the_camera(fake_camera, tmp_path, capsys):
    """The run's summary was labelled with the index alone, '0 -> rec.mp4: 5 frames ...' (read
    as a file named 0); it says 'camera 0', as its error lines do, and the warnings are left
    as they are (their digits not taken for the index)."""
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "--size", "1280x720", "-o", str(out), "-n", "5"])
    err = capsys.readouterr().err
    assert code in (0, None), err
    assert f"\ncamera 0 -> {out}: 5 frames" in f"\n{err}", err
    assert "livecut: warning: camera 0 delivers 160x120, not the requested 1280x720\n" in err, err


def test_a_camera_whose_reads_fail_slowly_is_given_up_on_in_seconds(fake_camera):
    """OpenCV's V4L2 backend waits up to 10 s in a read that fails: 30 such failures held the
    run for 5 minutes before the camera counted as gone; now failing for video.read_timeout
    is enough."""
    fake_camera.fail_from, fake_camera.fail_blocks = 1, 0.2   # 30 failures: 6 s
    with CameraSource(0, VideoConfig(read_timeout=0.5, reconnect=False)) as src:
        assert src.read() is not None                # (the frame read when it opened)
        t0 = time.monotonic()
        assert src.read() is None
        assert time.monotonic() - t0 < 3.0
        assert "stopped delivering frames" in src.lost


def test_a_read_that_waits_past_the_limit_and_fails_is_the_loss_itself(fake_camera):
    """The limit (video.read_timeout) counts from the start of the first failing read: with
    V4L2, which waits 10 s in it, a second such read (20 s in all) was needed before the
    camera counted as gone."""
    fake_camera.fail_from, fake_camera.fail_blocks = 1, 0.6   # each failing read: over the limit
    with CameraSource(0, VideoConfig(read_timeout=0.5, reconnect=False)) as src:
        assert src.read() is not None
        cap = fake_camera.instances[-1]
        calls = []
        real = cap.read
        cap.read = lambda: (calls.append(1), real())[1]
        assert src.read() is None and "stopped delivering frames" in src.lost
        assert len(calls) == 1, f"{len(calls)} failing reads"


def test_the_give_up_on_failing_reads_is_video_read_timeout(fake_camera):
    """A camera whose reads failed counted as gone after a fixed 5 s, whatever
    video.read_timeout (the time a stalled stream counts as lost after) said; it is that key
    now, 5 s by default as before."""
    from livecut.sources import open_source

    assert VideoConfig().read_timeout == 5.0
    fake_camera.fail_from, fake_camera.fail_blocks = 1, 0.25   # 30 failures: 7.5 s
    with open_source("0", VideoConfig(read_timeout=0.5, reconnect=False)) as src:
        assert src.read() is not None
        t0 = time.monotonic()
        assert src.read() is None and "stopped delivering frames" in src.lost
        assert time.monotonic() - t0 < 2.0   # (was 5 s)


def test_stop_ends_a_read_waiting_on_a_failing_camera(fake_camera):
    fake_camera.fail_from, fake_camera.fail_blocks = 1, 0.05
    with CameraSource(0) as src:
        src.read()
        threading.Timer(0.2, src.stop).start()
        t0 = time.monotonic()
        assert src.read() is None and src.lost == ""    # (stopped: nothing was lost)
        assert time.monotonic() - t0 < 1.0


def test_close_never_releases_the_capture_under_a_running_read(fake_camera):
    """Ctrl-C while the camera stalls: the reader thread is still in cap.read() when the run
    closes the source; cap.release() under that read (undefined in OpenCV) is left to the
    read, which releases the camera when it returns."""
    fake_camera.stall_at, fake_camera.stall_s = 1, 1.0
    src = CameraSource(0)
    src.read()
    reader = threading.Thread(target=src.read, daemon=True)
    reader.start()
    time.sleep(0.2)                                   # the reader is in the stalled read
    t0 = time.monotonic()
    src.close()
    assert time.monotonic() - t0 < 1.5                # (it waits CLOSE_WAIT, 0.5 s, for the read)
    reader.join(5)
    cap = fake_camera.instances[-1]
    assert not cap.released_while_reading
    assert cap.released == 1                          # released by the read, once it returned
    assert src.read() is None


# ---------------------------------------------------------------- the preview while it stalls

def _window(waitkey, shown=None):
    """An injected preview window (no display): ``waitkey(ms)`` answers its polls."""
    return {"imshow": lambda name, img: None if shown is None else shown.append(time.perf_counter()),
            "waitkey": waitkey, "destroy": lambda: None}


def test_the_preview_is_polled_while_the_camera_stalls(fake_camera):
    """A camera that delivers nothing for a while (a USB hiccup: its read waits in the
    driver): the runner waited for the next frame without polling the preview window, which
    froze (the desktop's "not responding", its keys and close button dead) until frames came
    back.  Now it is polled all along, and shows its last frame again saying that it waits."""
    fake_camera.stall_at, fake_camera.stall_s = 10, 2.0
    polls, shown = [], []
    st = run_video("0", None, load_config(), preview=True, progress=False, max_frames=20,
                   preview_options=_window(lambda ms: polls.append(time.perf_counter()) or -1, shown))
    stall = fake_camera.stalled_at
    assert st.processed == 20 and stall is not None
    # (every POLL, 0.05 s: some 30 polls; none at all before)
    during = [stall + 0.2] + [t for t in polls if stall + 0.2 < t < stall + 1.8] + [stall + 1.8]
    assert len(during) - 2 >= 8 and max(np.diff(during)) < 0.5, (len(during), max(np.diff(during)))
    assert any(stall + 0.9 < t < stall + 2.0 for t in shown)  # the last frame, with a note


def test_the_progress_line_says_it_waits_while_the_camera_stalls(fake_camera, monkeypatch):
    """While a camera delivered nothing, the terminal's progress line stayed frozen on its last
    rate and latency, as if frames still came (the preview said "waiting for frames"); it says
    so too now, and the frames that come back put the latency back."""
    from conftest import Tty

    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "120")
    fake_camera.stall_at, fake_camera.stall_s = 10, 2.0
    st = run_video("0", "null:", load_config(), progress=True, max_frames=20)
    assert st.processed == 20 and fake_camera.stalled_at is not None
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", tty.getvalue())
    assert "waiting for frames: none for 1 s" in text, text
    assert "latency" in text.split("waiting for frames")[-1], text  # (back once frames came)


def test_q_during_a_camera_stall_ends_the_run_at_once(fake_camera, tmp_path):
    """q pressed while the camera stalls ends the run as q does otherwise (the output
    finalised, no error), at once: not when the camera comes back; the read still waiting
    in the driver is not an error, and releases the camera when it returns."""
    fake_camera.stall_at, fake_camera.stall_s = 10, 5.0

    def waitkey(ms):
        return ord("q") if fake_camera.stalled_at and time.perf_counter() - fake_camera.stalled_at > 0.3 else -1

    out = tmp_path / "rec.mp4"
    st = run_video("0", str(out), load_config(), preview=True, progress=False, preview_options=_window(waitkey))
    took = time.perf_counter() - fake_camera.stalled_at
    assert took < 3.2, took                   # (q at 0.3 s; the camera came back at 5 s)
    assert not st.interrupted and 1 <= st.written <= 10 and probe(out)["frames"] == st.written
    deadline = time.monotonic() + 8
    while any(t.name == "livecut-reader" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    cap = fake_camera.instances[-1]
    assert cap.released == 1 and not cap.released_while_reading


def test_q_with_a_stalled_virtual_camera_says_what_could_not_be_finished(fake_camera, fake_vcam, monkeypatch):
    """q in `livecut cam 0 --vcam --preview`, the virtual camera's send blocked (a video-call
    app that stopped reading the device): the run ended (WRITER_STALL later) with 'livecut:
    error: livecut-writer did not stop', a thread's name, exit 1; the line says now what
    Ctrl-C's says of it: the virtual camera could not be finished, and why (exit 1)."""
    import livecut.runner as runner
    from livecut.errors import LivecutError

    monkeypatch.setattr(runner, "WRITER_STALL", 0.3)
    blocked, release = threading.Event(), threading.Event()

    def send(self, frame):
        if len(self.sent) == 5:
            blocked.set()
            release.wait(10)
        self.sent.append(time.perf_counter())

    monkeypatch.setattr(fake_vcam, "send", send)
    try:
        with pytest.raises(LivecutError) as e:
            run_video("0", None, load_config(), preview=True, progress=False,
                      extra_sinks=[("vcam", {})],
                      preview_options=_window(lambda ms: ord("q") if blocked.is_set() else -1))
    finally:
        release.set()
    assert e.value.exit_code == 1 and "did not stop" not in str(e.value), str(e.value)
    assert str(e.value) == ("the virtual camera could not be finished: sending a frame to it did not return "
                            "(a reader that stalled the device)"), str(e.value)


# ---------------------------------------------------------------- what the camera gives

def test_the_camera_says_what_it_delivers_when_it_opens(fake_camera, caplog):
    """--size and --fps are requests a camera may ignore: what it gives is logged when it
    opens (the run's warnings come only at its end, and not at all if it fails), and a frame
    rate other than the one asked for is noted as well as a size."""
    caplog.set_level(logging.INFO, logger="livecut")
    fake_camera.size, fake_camera.fps = (160, 120), 15.0
    with CameraSource(0, size=(1280, 720), fps=30) as src:
        assert (src.info.width, src.info.height, src.info.fps) == (160, 120, 15.0)
        assert src.size_note == "camera 0 delivers 160x120 @ 15 fps, not the requested 1280x720 @ 30 fps"
    said = [r.getMessage() for r in caplog.records]
    assert "camera 0: 160x120 @ 15 fps (asked for 1280x720 @ 30 fps)" in said, said
    caplog.clear()
    with CameraSource(0, fps=15) as src:                # as asked: nothing to note
        assert src.size_note == ""
    assert "camera 0: 160x120 @ 15 fps" in [r.getMessage() for r in caplog.records]


YUYV_SLOW = {"YUYV": {(640, 480): [30.0, 15.0], (1280, 720): [10.0, 5.0], (1920, 1080): [5.0]},
             "MJPG": {(640, 480): [30.0, 15.0], (1280, 720): [30.0, 15.0], (1920, 1080): [30.0]}}


def test_auto_asks_a_usb_webcam_for_mjpg_when_yuyv_is_slow(fake_camera, caplog):
    """A USB webcam opened by OpenCV in YUYV (its first choice), asked for 1280x720: it gave 10
    fps, and nothing chose its MJPG, which gives 30.  `auto` (the default) now asks for MJPG,
    before the size and rate, when the camera's default format does not give them and MJPG
    gives more; the log line says which format, and why."""
    caplog.set_level(logging.INFO, logger="livecut")
    fake_camera.formats = YUYV_SLOW
    with CameraSource(0, size=(1280, 720)) as src:
        assert (src.info.width, src.info.height, src.info.fps) == (1280, 720, 30.0)
        assert src.fourcc == "MJPG" and src.size_note == "" and src.note == ""
    asked = list(fake_camera.instances[-1].asked)
    assert asked.index(cv2.CAP_PROP_FOURCC) < asked.index(cv2.CAP_PROP_FRAME_WIDTH), asked
    said = [r.getMessage() for r in caplog.records]
    assert "camera 0: 1280x720 @ 30 fps in MJPG (YUYV gives 1280x720 at 10 fps at most)" in said, said
    caplog.clear()
    with CameraSource(0, fps=60) as src:                # (60 at 640x480: neither gives more)
        assert src.fourcc == "YUYV" and cv2.CAP_PROP_FOURCC not in fake_camera.instances[-1].asked
    with CameraSource(0, size=(640, 480), fps=30) as src:   # what YUYV gives: left alone
        assert src.fourcc == "YUYV" and cv2.CAP_PROP_FOURCC not in fake_camera.instances[-1].asked
    assert "camera 0: 640x480 @ 30 fps in YUYV" in [r.getMessage() for r in caplog.records]
    with CameraSource(0, size=(1920, 1080), fps=30, fourcc="yuyv") as src:   # asked: kept
        assert src.fourcc == "YUYV" and src.info.fps == 5.0
        assert src.size_note == "camera 0 delivers 5 fps, not the requested 30 fps"
    fake_camera.formats = {"YUYV": YUYV_SLOW["YUYV"]}    # no MJPG: nothing to ask for
    with CameraSource(0, size=(1280, 720)) as src:
        assert src.fourcc == "YUYV" and cv2.CAP_PROP_FOURCC not in fake_camera.instances[-1].asked
    with CameraSource(0, size=(1280, 720), fourcc="MJPG") as src:
        assert src.note == "camera 0 delivers YUYV, not the requested MJPG"


def test_the_camera_format_is_chosen_on_the_command_line(fake_camera, tmp_path, capsys):
    """`livecut cam --fourcc MJPG|YUYV|auto` (any case); another is refused before the camera
    turns on."""
    fake_camera.formats = YUYV_SLOW
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "--size", "640x480", "--fourcc", "mjpg", "-o", str(out), "-n", "3"])
    err = capsys.readouterr().err
    assert code in (0, None) and "camera 0: 640x480 @ 30 fps in MJPG" in err, err
    assert fake_camera.instances[-1].asked[cv2.CAP_PROP_FOURCC] == cv2.VideoWriter_fourcc(*"MJPG")
    fake_camera.instances.clear()
    code = _cli(["cam", "0", "--fourcc", "H264", "-o", str(tmp_path / "b.mp4"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "error: --fourcc H264: expected auto, MJPG or YUYV" in err, err
    assert fake_camera.instances == []


# ---------------------------------------------------------------- to a virtual camera

def test_a_camera_sent_to_a_virtual_camera_is_not_delayed(fake_camera, fake_vcam, slow_first_frame):
    """The virtual camera paced a camera's frames to their timestamps (their arrival times):
    the pacing clock started at the first frame sent, so a slow first frame (the engine
    warming up) delayed every later frame as much, for the whole call, and frames were
    dropped while the writer slept. A camera's frames now go out as soon as processed."""
    sinks = []
    stats = run_video("0", None, load_config(None), max_frames=30, progress=False,
                      extra_sinks=[("vcam", {})], on_start=lambda pipe: sinks.extend(pipe.thread_sinks))
    later = sorted(stats.latencies_ms)[:len(stats.latencies_ms) - 5]   # (all but the slowest few)
    assert np.median(later) < 200, np.median(later)   # was ~ 400 ms: the first frame's latency
    assert sinks and sinks[0]._pacer is None
    assert fake_vcam.instances[-1].closed == 1


# ---------------------------------------------------------------- what is missing, before the camera turns on

def test_a_missing_pyvirtualcam_is_said_before_the_camera_turns_on(fake_camera, monkeypatch, capsys):
    """`livecut cam 0 --vcam` without pyvirtualcam opened the camera (its light on, the first
    frame read) and only then said pyvirtualcam was missing; it is said first, and the camera
    is never opened. A camera that is not there is still said before it (exit 2)."""
    monkeypatch.setitem(sys.modules, "pyvirtualcam", None)   # `import pyvirtualcam` fails
    code = _cli(["cam", "0", "--vcam", "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 1, err                                    # (DeviceUnavailable, as before)
    assert len(lines) == 1 and "pyvirtualcam is not installed" in lines[0], err
    assert fake_camera.instances == [], "the camera was opened"
    if sys.platform.startswith("linux"):
        monkeypatch.setattr(camera, "Path", lambda p: type("Gone", (), {"exists": lambda self: False})())
        code = _cli(["cam", "5", "--vcam", "-q"])
        err = capsys.readouterr().err
        assert code == 2 and "camera 5: not found" in err, err


def test_a_negative_camera_index_is_refused_as_one(fake_camera, capsys):
    """`livecut cam -- -1` took -1 for a file's name: '-1: no such file'."""
    code = _cli(["cam", "-q", "--", "-1"])
    err = capsys.readouterr().err
    assert code == 2 and "camera index -1: expected 0 or more" in err and "file" not in err, err
    assert fake_camera.instances == []


def test_ctrl_c_with_a_stuck_camera_ends_the_run_within_a_second(fake_camera, tmp_path):
    """A camera whose read never returns (a USB stall, deaf to stop()): Ctrl-C waited
    JOIN_TIMEOUT (1 s) for the reader, then the camera's close waited CLOSE_WAIT (0.5 s) for
    the read: 1.5 s.  The camera's close is safe under the read, so the run hands the read
    over to it: the recording is finalised, and the run ends within a second."""
    import _thread

    from livecut.runner import Interrupted

    fake_camera.stall_at, fake_camera.stall_s = 10, 30.0
    out = tmp_path / "rec.mp4"
    pipes, fired = [], []

    def interrupt():
        # once the run is done with the 10 frames before the stall: written, or dropped where a
        # loaded machine fell behind the camera (the newest frame wins) -- not 0.2 s after the
        # stall began, by which time a loaded machine had written 4 ("6 frames dropped")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
                fake_camera.stalled_at is not None and pipes
                and pipes[0].stats.written + pipes[0].stats.dropped >= 10):
            time.sleep(0.01)
        fired.append(time.perf_counter())
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(Interrupted) as e:
        run_video("0", str(out), load_config(), progress=False, on_start=pipes.append)
    took = time.perf_counter() - fired[0]
    assert took < 1.0, took
    written = pipes[0].stats.written
    assert written + pipes[0].stats.dropped == 10 and written >= 1, str(e.value)
    assert f"finalized with {written} frames" in str(e.value), str(e.value)
    assert e.value.exit_code == 130 and probe(out)["frames"] == written
    assert not fake_camera.instances[-1].released_while_reading


def test_ctrl_c_while_a_camera_opens_without_a_frame_ends_the_run_within_a_second(fake_camera, tmp_path):
    """A camera that opens and delivers nothing (a USB hub short of bandwidth: OpenCV's V4L2
    read waits 10 s, deaf to signals): Ctrl-C as `livecut cam` waited for its first frame
    was handled only once that read gave up, 10 s later.  The first frame is waited for in a
    helper thread: the run ends within a second, nothing written, and the read still waiting
    releases the camera when it returns, not the run under it."""
    import _thread

    from livecut.sources.camera import OPEN_THREAD

    fake_camera.stall_at, fake_camera.stall_s = 0, 30.0
    fired = []

    def interrupt():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and fake_camera.stalled_at is None:
            time.sleep(0.01)
        time.sleep(0.1)
        fired.append(time.perf_counter())
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(Interrupted):  # (the CLI's "interrupted", exit 130)
        run_video("0", str(tmp_path / "rec.mp4"), load_config(), progress=False)
    took = time.perf_counter() - fired[0]
    assert took < 1.0, took
    assert list(tmp_path.iterdir()) == []
    cap = fake_camera.instances[-1]
    assert cap.released == 0, "released under the read"
    fake_camera.unstall.set()  # (the read returns: it releases the camera)
    for t in [t for t in threading.enumerate() if t.name == OPEN_THREAD]:
        t.join(5)
    assert cap.released == 1 and not cap.released_while_reading


def _resize_from(fake_camera, monkeypatch, n: int, size: tuple[int, int]) -> None:
    """The fake camera's picture becomes ``size`` (w, h) from its frame ``n + 1`` on."""
    real = fake_camera.read

    def read(self, image=None):
        if self.n >= n:
            self.size = size
        return real(self, image)

    monkeypatch.setattr(fake_camera, "read", read)


def test_a_picture_that_changes_size_is_warned_of_once(fake_camera, fake_vcam, tmp_path, capsys, monkeypatch):
    """`livecut cam 0 -o rec.mp4 --vcam`, the camera's picture changing size mid-run: the
    recording and the virtual camera each fit it, and the run printed the same warning
    twice, once for each; it says it once."""
    _resize_from(fake_camera, monkeypatch, 5, (320, 240))  # (from the 6th frame on)
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "-o", str(out), "--vcam", "-n", "10", "-q"])
    err = capsys.readouterr().err
    assert code in (0, None), err
    said = [ln for ln in err.splitlines() if "changed size mid-run to 320x240" in ln]
    assert len(said) == 1, err
    assert len(fake_vcam.instances[-1].sent) == 10 and probe(out)["frames"] == 10


def test_a_camera_without_a_display_names_the_outputs_it_can_have(fake_camera, monkeypatch, capsys):
    """`livecut cam 0` on a machine without a display (an SSH session) shows a preview it was
    not asked for with --preview, and was answered '--preview needs a display ...; write a
    file with -o instead': the virtual camera, what `cam` is for, was not named.  It is now,
    before the camera turns on."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code = _cli(["cam", "0", "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("livecut: error: the preview window (--preview) needs a display"), err
    assert "-o" in lines[0] and "--vcam" in lines[0], err
    assert fake_camera.instances == [], "the camera was opened"


@pytest.mark.parametrize("args", [
    ["file", "{clip}", "--preview"],
    ["file", "{clip}", "--preview", "-o", "{out}"],
    ["run", "{clip}", "--preview", "-o", "{out}"],
    ["cam", "0"],
    ["cam", "0", "--preview", "-o", "{out}"],
    ["run", "0", "--preview"],
])
def test_a_preview_without_a_display_is_exit_2(fake_camera, monkeypatch, capsys, tmp_path, args):
    """--preview (or `livecut cam`'s own preview) on a machine without a display exited 1, a
    runtime failure, as if the run had failed on its way; nothing was run: the user must give
    it a display or another output (the line names -o and --vcam), exit 2 as for a usage error,
    for every command that shows it.  Nothing is written and no camera turned on."""
    from conftest import make_clip

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    clip = make_clip(tmp_path / "c.mp4", n=4)
    code = _cli([a.format(clip=clip, out=tmp_path / "o.mp4") for a in args] + ["-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, (code, err)
    assert "needs a display" in lines[0] and "-o" in lines[0] and "--vcam" in lines[0], err
    assert fake_camera.instances == [] and sorted(p.name for p in tmp_path.iterdir()) == ["c.mp4"]

def test_a_qt_platform_that_opencvs_windows_lack_is_said_before_the_camera_turns_on(
        fake_camera, monkeypatch, capsys, tmp_path):
    """`livecut cam 0` on a Wayland desktop that sets QT_QPA_PLATFORM=wayland for its Qt
    programs (sway's, Hyprland's), Xwayland's DISPLAY at hand: opencv-python's Qt has its X
    plugin alone, and aborted the whole process at the first window ('Could not find the Qt
    platform plugin "wayland"', four lines, exit 134), the camera turned on.  It is said
    before, one line naming what to run it with, exit 2; a list that falls back on a platform
    it has ('wayland;xcb') is left to open."""
    import livecut.sinks.preview as pv

    build = "\n".join("  GUI:                           QT5" if line.strip().startswith("GUI:") else line
                      for line in cv2.getBuildInformation().splitlines())
    monkeypatch.setattr(pv.cv2, "getBuildInformation", lambda: build)
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms" / "libqxcb.so").touch()
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", str(tmp_path))
    monkeypatch.setattr(pv, "_x11_connects", lambda display: True)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "wayland")
    shown = []

    def window(*args):  # (Qt's own would abort the tests' process)
        shown.append(args[:1])
        raise cv2.error("qt.qpa.plugin: Could not find the Qt platform plugin \"wayland\"")

    for name in ("imshow", "waitKey", "waitKeyEx", "getWindowProperty"):
        monkeypatch.setattr(pv.cv2, name, window)
    code = _cli(["cam", "0", "-q"])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, lines
    assert "QT_QPA_PLATFORM=wayland names no platform" in lines[0] and "QT_QPA_PLATFORM=xcb" in lines[0], lines
    assert fake_camera.instances == [] and shown == [], "the camera was opened"
    for fine in ("wayland;xcb", "xcb", "xcb:nomitshm"):
        monkeypatch.setenv("QT_QPA_PLATFORM", fine)
        assert pv.display_problem() is None, fine


def test_a_camera_that_is_the_virtual_camera_it_is_sent_to_is_refused(fake_camera, fake_vcam, tmp_path, capsys):
    """`livecut cam 10 --vcam-device /dev/video10`, the loopback's number given as the camera's
    too: the camera read the virtual camera nothing sent to yet, and the run said 'camera 10:
    cannot open (missing, busy or no permission)' or, 10 s later, 'opened but delivers no frames
    (busy?)'.  It is refused before the camera turns on, exit 2, one line; so is a link to it
    (/dev/v4l/by-id/...) or -o vcam:/dev/video10, and another device is sent to."""
    link = tmp_path / "usb-loopback-video-index0"
    link.symlink_to("/dev/video10")
    for args in (["--vcam-device", "/dev/video10"], ["-o", "vcam:/dev/video10"], ["--vcam-device", str(link)]):
        code = _cli(["cam", "10", *args, "-n", "3", "-q"])
        lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert code == 2 and len(lines) == 1, (args, lines)
        assert lines[0].startswith("livecut: error: camera 10 is ") and "the virtual camera it would be sent to" in lines[0]
        assert fake_camera.instances == [] and fake_vcam.instances == [], args
    assert _cli(["cam", "10", "--vcam-device", "/dev/video11", "-n", "3", "-q"]) in (0, None)
    assert len(fake_vcam.instances) == 1 and len(fake_vcam.instances[0].sent) == 3


@pytest.mark.parametrize("caps,driver,said", [
    (0x00800000, "uvcvideo", "/dev/video1 is no camera's picture: a webcam's metadata node"),  # (V4L2_CAP_META_CAPTURE)
    (0x00000002, "v4l2 loopback", "/dev/video1 is a virtual camera that nothing sends to yet"),  # (VIDEO_OUTPUT)
    (0x00000001, "uvcvideo", "missing, busy or no permission"),  # (a camera: busy, as far as can be told)
    (None, "", "missing, busy or no permission"),  # (the node could not be asked)
])
def test_a_node_that_captures_nothing_is_not_said_to_be_busy(fake_camera, monkeypatch, capsys, tmp_path, caps,
                                                              driver, said):
    """`livecut cam 1` for a second webcam: a UVC webcam's /dev/video1 is its metadata node,
    which OpenCV cannot open, and the run said 'camera 1: cannot open (missing, busy or no
    permission)', none of which it is (nor of a virtual camera nothing sends to, which
    v4l2loopback's exclusive_caps=1 lists as no camera).  The node is asked what it is."""
    monkeypatch.setattr(fake_camera, "isOpened", lambda self: False)
    monkeypatch.setattr(livecut.devices, "_query_v4l2", lambda dev, max_formats=8: (caps, driver, []))
    code = _cli(["cam", "1", "-o", str(tmp_path / "rec.mp4"), "-q"])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"livecut: error: camera 1: cannot open ({said}"), lines
    assert ("`livecut devices`" in lines[0]) == ("/dev" in said) and list(tmp_path.iterdir()) == [], lines


def test_an_index_opencv_cannot_take_is_a_camera_not_found(monkeypatch, tmp_path, capsys):
    """`livecut cam 2147483648` on macOS/Windows (no /dev/videoN to look for): OpenCV's index
    is a C int, and its 'Overload resolution failed' came out as a six-line internal error.
    It is a camera not found, on every platform, before anything opens."""
    import types

    monkeypatch.setattr(camera, "sys", types.SimpleNamespace(platform="darwin"))
    out = tmp_path / "rec.mp4"
    for index in ("2147483648", str(2 ** 70)):
        code = _cli(["cam", index, "-o", str(out), "-q"])
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == 2 and len(lines) == 1, err
        assert lines[0].startswith(f"livecut: error: camera {index}: not found"), err
    with pytest.raises(camera.VideoOpenFailure, match="camera 2147483648: not found"):
        CameraSource(2 ** 31)
    assert not out.exists()


@pytest.mark.parametrize("given", ["0", "1000"])
def test_a_frame_rate_at_a_bound_is_not_said_to_be_within_it(fake_camera, capsys, given):
    """`livecut cam --fps 0` was answered '--fps 0: expected a frame rate above 0 and below 1000', and
    `--fps 1000` '--fps 1000: ... between 0 and 1000': the bounds are not taken, and the line says so."""
    code = _cli(["cam", "0", "--vcam", "--fps", given, "-q"])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 2 and lines == [f"livecut: error: --fps {given}: expected a frame rate above 0 and below 1000, "
                                   "e.g. 30, 29.97 or 30000/1001"], lines
    assert fake_camera.instances == []


@pytest.mark.parametrize("given", ["0", "-5", "1e9", "30/0", "nan", "30000/1001/2", "thirty"])
def test_a_bad_frame_rate_is_quoted_as_given(fake_camera, capsys, given):
    """`livecut cam --fps 0` answered '--fps 0.0: ...', `--fps 1e9` '--fps 1000000000.0'."""
    code = _cli(["cam", "0", "--vcam", "--fps", given, "-q"])
    err = capsys.readouterr().err
    assert code == 2 and f"error: --fps {given}: expected a frame rate above 0 and below 1000" in err, err
    assert fake_camera.instances == []


def test_a_frame_rate_is_taken_as_ffmpeg_writes_it(fake_camera, tmp_path, capsys):
    """`livecut cam 0 --fps 30000/1001` (NTSC's rate, as FFmpeg and `livecut probe` write it) was
    "Invalid value for '--fps': Input should be a valid number", exit 2; it asks the camera for it."""
    fake_camera.fail_from = 3
    code = _cli(["cam", "0", *NO_REOPEN, "-o", str(tmp_path / "rec.mkv"), "--fps", "30000/1001", "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "camera 0: lost" in err, err
    assert fake_camera.instances[-1].asked[cv2.CAP_PROP_FPS] == pytest.approx(30000 / 1001)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="v4l2loopback: Linux")
def test_a_virtual_camera_that_is_no_loopback_is_said_before_the_camera_turns_on(
        fake_camera, monkeypatch, tmp_path, capsys):
    """`livecut cam 0 --vcam-device /dev/video0` (the webcam itself, or a file): the camera was
    turned on, its first frame read, and only then the virtual camera refused; a node that is
    certainly no loopback (another driver's, or no device at all) is said first now."""
    pyvirtualcam = pytest.importorskip("pyvirtualcam")
    if "v4l2loopback" not in pyvirtualcam.camera.BACKENDS:
        pytest.skip("needs pyvirtualcam's Linux backend")
    import livecut.devices
    import livecut.sinks.vcam as vcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS",
                        {"v4l2loopback": pyvirtualcam.camera.BACKENDS["v4l2loopback"]})
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path))           # (v4l2loopback loaded)
    webcam = "/dev/null"                                                  # (a character device)
    monkeypatch.setattr(livecut.devices, "_query_v4l2",
                        lambda dev: (1, "uvcvideo", []) if str(dev) == webcam else (None, "", []))
    for device, why in ((webcam, "its driver is uvcvideo"), (str(tmp_path), "not a device")):
        code = _cli(["cam", "0", "--vcam-device", device, "-q"])
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == 2 and len(lines) == 1, err   # (the device named is the user's input)
        assert f"no virtual camera {device} available ({why}); it is not a virtual camera" in lines[0], err
        assert fake_camera.instances == [], "the camera was opened"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="v4l2loopback: Linux")
@pytest.mark.parametrize("loaded", [True, False])
def test_a_device_that_is_no_v4l2_node_is_said_before_the_camera_turns_on(
        fake_camera, monkeypatch, tmp_path, capsys, loaded):
    """`livecut cam 0 --vcam-device /dev/null` (a character device that opens but is no V4L2
    node at all: /dev/null, a /dev/media0 or /dev/v4l-subdev0 taken for the loopback): the
    camera was turned on, its first frame read, and only then pyvirtualcam said 'Device
    capabilities of /dev/null could not be queried'; it is said first now, exit 2 as before."""
    pyvirtualcam = pytest.importorskip("pyvirtualcam")
    if "v4l2loopback" not in pyvirtualcam.camera.BACKENDS:
        pytest.skip("needs pyvirtualcam's Linux backend")
    import livecut.sinks.vcam as vcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS",
                        {"v4l2loopback": pyvirtualcam.camera.BACKENDS["v4l2loopback"]})
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path if loaded else tmp_path / "absent"))
    code = _cli(["cam", "0", "--vcam-device", "/dev/null", "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("livecut: error: no virtual camera /dev/null available (") and (
        "it is not a virtual camera: pick one" in lines[0]), err
    assert fake_camera.instances == [], "the camera was opened"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="v4l2loopback: Linux")
@pytest.mark.parametrize("loaded", [True, False])
def test_a_virtual_camera_named_by_a_file_name_is_said_to_be_no_video_device(
        fake_camera, monkeypatch, tmp_path, capsys, loaded):
    """`livecut cam 0 --vcam --vcam-device x.mp4` (no such file; a file name where /dev/videoN was
    meant) with v4l2loopback not loaded said 'no such device; load v4l2loopback ...', exit 1 --
    loading it makes no x.mp4; it is said to be no video device, exit 2, before the camera
    turns on, the module loaded or not."""
    pyvirtualcam = pytest.importorskip("pyvirtualcam")
    if "v4l2loopback" not in pyvirtualcam.camera.BACKENDS:
        pytest.skip("needs pyvirtualcam's Linux backend")
    import livecut.sinks.vcam as vcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS",
                        {"v4l2loopback": pyvirtualcam.camera.BACKENDS["v4l2loopback"]})
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path if loaded else tmp_path / "absent"))
    monkeypatch.chdir(tmp_path)
    code = _cli(["cam", "0", "--vcam", "--vcam-device", "x.mp4", "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("livecut: error: no virtual camera x.mp4 available (not a video device: "
                               "/dev/videoN, or N); it is not a virtual camera: pick one"), err
    assert "modprobe" not in err, err
    assert fake_camera.instances == [], "the camera was opened"


def test_a_virtual_camera_output_that_names_no_device_is_refused(fake_camera, fake_vcam, capsys):
    """`livecut cam 0 -o "vcam:$DEV"` with DEV unset sent to the first virtual camera without a
    word (its summary 'camera 0 -> vcam:: 3 frames'), where --vcam-device "$DEV" is refused as
    empty; -o vcam: is refused too now, exit 2, before the camera turns on."""
    code = _cli(["cam", "0", "-o", "vcam:", "-n", "3", "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("livecut: error: -o vcam: names no device: give vcam:/dev/videoN"), err
    assert fake_camera.instances == [] and fake_vcam.instances == []


class _OpensNoneOf:
    """A pyvirtualcam backend refusing a device as pyvirtualcam's v4l2loopback backend says it."""

    reasons = {"/dev/video99": "Device /dev/video99 does not exist.",
               "/dev/video10": "Virtual camera device /dev/video10 could not be configured: Device or resource busy"}

    def __init__(self, *, width, height, fps, fourcc, device, **kw):
        raise RuntimeError(self.reasons.get(device, f"Device capabilities of {device} could not be queried."))


def test_a_virtual_camera_named_that_is_not_there_or_no_loopback_is_bad_input(
        fake_camera, monkeypatch, tmp_path, capsys):
    """`livecut cam 0 --vcam --vcam-device /dev/video99` (no such device, v4l2loopback loaded) or
    a regular file named as the device was exit 1, as a failure of the run: the device named is
    the user's input, exit 2 now, the line unchanged; a device that is there but busy (the
    backend failing, not the input) stays exit 1, and so does a device not there while
    v4l2loopback is not loaded (loading it is the answer, as for --vcam alone)."""
    pyvirtualcam = pytest.importorskip("pyvirtualcam")
    import livecut.sinks.vcam as vcam

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": _OpensNoneOf})   # never a real device
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path))                     # (v4l2loopback loaded)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a camera")
    for device, code_wanted, said in (
            ("/dev/video99", 2, "(Device /dev/video99 does not exist); pick one that `livecut devices` lists"),
            (str(notes), 2, "could not be queried); it is not a virtual camera: pick one"),
            ("/dev/video10", 1, "Device or resource busy); another program may be sending to it")):
        code = _cli(["cam", "0", "--vcam", "--vcam-device", device, "-q"])
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == code_wanted and len(lines) == 1, (device, code, err)
        assert lines[0].startswith(f"livecut: error: no virtual camera {device} available (") and said in lines[0], err
        assert "modprobe" not in err, err
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path / "absent"))          # (not loaded)
    code = _cli(["cam", "0", "--vcam", "--vcam-device", "/dev/video99", "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "modprobe v4l2loopback" in err, err


# ---------------------------------------------------------------- -n N of a live source

def test_frames_n_records_n_frames_behind_a_slow_encoder(fake_camera, tmp_path, monkeypatch):
    """`livecut cam -o rec.mp4 -n 30` with an encoder slower than the camera (100 fps, 50 ms a
    frame to encode): a live source keeps only the newest frame, so processed frames the writer
    could not take were dropped -- and -n counted them: the recording held 16 or 17 of the 30
    asked.  -n N is N frames written now (as ffmpeg's -frames:v): the run goes on until N are,
    the frames dropped meanwhile counted as dropped, and the summary says how many were written."""
    from livecut.sinks.file import VideoFileSink

    fake_camera.fps = 100.0
    real_write = VideoFileSink.write
    pipes = []

    ahead = load_config().video.queue_size + 4

    def slow_write(self, image, pts=None):
        # (behind the processing for sure: the first write waits until the processing is past
        # what the output queue holds, so that frames were dropped for the writer -- with a fixed
        # 50 ms alone, a loaded machine processed slower than that, none was, and 30 were
        # processed for the 30 written)
        deadline = time.monotonic() + 30
        while not self.frames and pipes[0].stats.processed < ahead and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)
        real_write(self, image, pts)

    monkeypatch.setattr(VideoFileSink, "write", slow_write)
    out = tmp_path / "rec.mp4"
    st = run_video("0", str(out), load_config(), max_frames=30, progress=False, on_start=pipes.append)
    assert st.dropped > 0                                   # (the encoder was behind)
    assert st.written == 30 and probe(out)["frames"] == 30, (st.written, st.processed, st.dropped)
    assert st.processed > 30 and ", 30 written" in st.summary()


@pytest.mark.parametrize("kwargs, error, said", [
    ({"size": (0, 0)}, "FrameSizeError", "size"),
    ({"size": (-640, 480)}, "FrameSizeError", "size"),
    ({"size": (640.5, 480)}, "FrameSizeError", "size"),
    ({"size": (10 ** 400, 480)}, "FrameSizeError", "size"),
    ({"size": (float("nan"), 480)}, "FrameSizeError", "size"),
    ({"size": "1280x720"}, "ConfigTypeError", "size '1280x720': expected (width, height)"),
    ({"size": (640,)}, "ConfigTypeError", "size (640,): expected (width, height)"),
    ({"fps": -5}, "UsageError", "fps -5: expected a frame rate above 0 and below 1000"),
    ({"fps": float("nan")}, "UsageError", "fps nan: expected a frame rate above 0 and below 1000"),
    ({"fps": float("inf")}, "UsageError", "fps inf: expected a frame rate above 0 and below 1000"),
    ({"fps": "30"}, "ConfigTypeError", "fps '30': expected a number"),
    ({"fourcc": "H264"}, "UsageError", "fourcc 'H264': expected auto, MJPG or YUYV"),
])
def test_a_camera_asked_for_a_size_or_rate_that_is_none_is_a_typed_error(fake_camera, fake_vcam, kwargs, error, said):
    """The library's camera (run_video's size and fps, CameraSource) sent what it was given to
    the driver: a size of 0x0 or -640x480, a rate of -5 or nan went to the camera unchecked (the
    run went on, the camera's own size taken), and text or a 1-tuple was a bare TypeError from
    OpenCV or an IndexError; `--fourcc` was named in a library error.  Each is now a typed error
    in the library's words, before the camera turns on, as the command line refuses them."""
    from livecut import errors

    for call in (lambda: CameraSource(0, **kwargs),
                 lambda: run_video("0", None, load_config(), max_frames=1, progress=False,
                                   extra_sinks=[("vcam", {})],
                                   **{k: v for k, v in kwargs.items() if k != "fourcc"},
                                   source_options={k: v for k, v in kwargs.items() if k == "fourcc"})):
        with pytest.raises(errors.LivecutError) as info:
            call()
        assert type(info.value).__name__ == error and said in str(info.value), info.value
        assert "--" not in str(info.value), info.value
    assert fake_camera.instances == [], "the camera was opened"


@pytest.mark.parametrize("spec", ["²", "/dev/video²", "1²"])
def test_a_name_of_digits_python_cannot_read_as_a_number_is_no_camera(tmp_path, monkeypatch, capsys, spec):
    """`livecut run ²` (a file so named, a superscript digit: str.isdigit() takes it for one,
    int() does not) was 'internal error: ValueError: invalid literal for int()', exit 1; it is
    no camera index, so it is a file's name (here, not there: one line, exit 2)."""
    from livecut.sources import source_kind

    assert camera.camera_index(spec) is None and source_kind(spec) == "file"
    monkeypatch.chdir(tmp_path)
    code = _cli(["run", spec, "-o", str(tmp_path / "o.mp4"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "internal error" not in err, err


def test_cam_takes_the_camera_s_device_as_livecut_devices_names_it(fake_camera, tmp_path, capsys):
    """`livecut devices` lists a camera as /dev/video0, and `livecut run /dev/video0` reads it,
    but `livecut cam /dev/video0` was "Invalid value for 'INDEX': Input should be a valid
    integer": it takes the device too; what is neither an index nor one is said so."""
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "/dev/video0", "-o", str(out), "-n", "2", "-q"])
    err = capsys.readouterr().err
    assert code in (0, None) and probe(out)["frames"] == 2, err
    assert fake_camera.instances[-1].index == 0
    fake_camera.instances.clear()
    for given in ("front", "/dev/video", "0.5"):
        code = _cli(["cam", given, "-q"])
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == 2 and len(lines) == 1, err
        assert f"camera {given!r}: expected an index (0 = the first camera) or /dev/videoN" in lines[0], err
    code = _cli(["cam", "-q", "--", "-1"])       # (as before)
    err = capsys.readouterr().err
    assert code == 2 and "camera index -1: expected 0 or more" in err, err
    assert fake_camera.instances == []


def test_a_file_or_a_stream_given_to_cam_is_answered_with_the_command_that_reads_it(
        fake_camera, tmp_path, monkeypatch, capsys):
    """`livecut cam clip.mp4` (a file here) said "camera 'clip.mp4': expected an index ... or
    /dev/videoN (see `livecut devices`)", naming no way to it, and `livecut cam
    rtsp://user:secret@host/x` wrote the password in that line: the command that reads it is
    named (livecut file, livecut image for a photo, livecut run for a stream), the URL's secret
    hidden; exit 2, no camera opened."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clip.mp4").write_bytes(b"")
    (tmp_path / "shot.jpg").write_bytes(b"")
    for given, said in (("clip.mp4", "; clip.mp4 is a file: livecut file clip.mp4 -o OUT.mp4"),
                        ("shot.jpg", "; shot.jpg is a file: livecut image shot.jpg -o cut.png"),
                        ("rtsp://user:secret@host/x", "; a stream is read by livecut run: livecut run "
                                                      "'rtsp://***@host/x' -o OUT.mp4")):
        code = _cli(["cam", given, "-q"])
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == 2 and len(lines) == 1, err
        assert lines[0].endswith("expected an index (0 = the first camera) or /dev/videoN" + said), err
        assert "secret" not in err, err
    assert fake_camera.instances == []


def test_force_with_a_virtual_camera_as_output_is_said_to_be_ignored(fake_camera, fake_vcam, capsys):
    """`livecut cam 0 -o vcam --force`: no file is written, and the warning names the -o given
    (it said "no -o" of a virtual camera named with -o)."""
    fake_camera.fail_from = 3
    code = _cli(["cam", "0", *NO_REOPEN, "-o", "vcam", "--force", "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "livecut: warning: --force ignored: no file is written (-o vcam)" in err, err


def test_a_camera_whose_read_raises_mid_run_is_lost_with_the_recording_kept(fake_camera, tmp_path, capsys,
                                                                            monkeypatch):
    """`livecut cam 0 -o rec.mp4`, the capture's read raising cv2.error mid-run (a backend's
    answer to a camera gone): 'reader stage failed', exit 1, the recording removed; it is a
    lost camera, exit 3, the frames so far kept."""
    real = fake_camera.read

    def read(self, image=None):
        if self.n >= 3:
            raise cv2.error("boom")
        return real(self, image)

    monkeypatch.setattr(fake_camera, "read", read)
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", *NO_REOPEN, "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "camera 0: lost" in err and "boom" in err, err
    assert 1 <= probe(out)["frames"] <= 3   # (all 3 read, unless slow processing dropped some)


@pytest.mark.parametrize("where", ["isOpened", "read"])
def test_a_camera_whose_opening_raises_is_one_line_exit_2(fake_camera, tmp_path, capsys, monkeypatch, where):
    """OpenCV raising cv2.error as the camera opens or gives its first frame was 'internal
    error: error: ...'; it is said as a camera that cannot be opened (exit 2) or that delivers
    no frames (exit 1, as a busy one), released."""
    def boom(self):
        raise cv2.error("boom")

    monkeypatch.setattr(fake_camera, where, boom)
    code = _cli(["cam", "0", "-o", str(tmp_path / "rec.mp4"), "-q"])
    err = capsys.readouterr().err
    assert code == (2 if where == "isOpened" else 1), err
    assert "camera 0:" in err and "boom" in err and "internal" not in err, err
    assert all(c.released for c in fake_camera.instances if where == "read")
    assert not (tmp_path / "rec.mp4").exists()


def test_a_camera_whose_picture_becomes_too_small_is_lost_with_the_recording_kept(fake_camera, tmp_path, capsys,
                                                                                  monkeypatch):
    """`livecut cam 0 -o rec.mp4`, the camera's picture shrinking to 8x6 mid-run: the engine's
    'image is 8x6; livecut needs at least 16x16 pixels', exit 2, and the recording removed; the
    camera is lost, exit 3, the frames so far kept.  Tiny from the start: refused, naming it."""
    real = fake_camera.read
    _resize_from(fake_camera, monkeypatch, 5, (8, 6))  # (from the 6th frame on)
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "-o", str(out), "-n", "10", "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "camera 0: lost (its picture became 8x6; livecut needs at least 16x16" in err, err
    # (the 5 good frames, less any that a newer one replaced on a loaded machine: a live source keeps the newest)
    assert 1 <= probe(out)["frames"] <= 5
    fake_camera.size, out = (8, 6), tmp_path / "tiny.mp4"
    monkeypatch.setattr(fake_camera, "read", real)
    code = _cli(["cam", "0", "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == "livecut: error: camera 0: delivers 8x6; livecut needs at least 16x16 pixels"
    assert not out.exists() and fake_camera.instances[-1].released


@pytest.mark.parametrize("channels", [4, 2])
def test_a_camera_whose_frames_change_channels_is_taken_as_bgr_or_lost(fake_camera, tmp_path, capsys,
                                                                       monkeypatch, channels):
    """`livecut cam 0 -o rec.mp4`, the camera delivering 4-channel frames mid-run, their 4th
    channel 0 (BGRX: padding, as some backends give it): it was taken as the frame's alpha, and
    the recording went black from then on; it is dropped.  Frames of 2 channels were 'unsupported
    image shape (120, 160, 2)', exit 2, the recording removed; the camera is lost, exit 3, the
    frames so far kept.  Of 2 from the start: refused, naming the camera."""
    real = fake_camera.read

    def read(self, image=None):
        ok, img = real(self, image)
        if ok and self.n > 5:
            img = (np.dstack([img, np.zeros(img.shape[:2], np.uint8)]) if channels == 4
                   else np.ascontiguousarray(img[..., :2]))
        return ok, img

    monkeypatch.setattr(fake_camera, "read", read)
    out = tmp_path / "rec.mp4"
    code = _cli(["cam", "0", "-o", str(out), "-n", "10", "-q"])
    err = capsys.readouterr().err
    if channels == 4:
        import av

        assert code in (0, None), err
        with av.open(str(out)) as c:
            means = [float(f.to_ndarray(format="bgr24").mean()) for f in c.decode(video=0)]
        assert len(means) == 10 and min(means) > 40, means   # (black: 0)
        return
    assert code == 3 and "camera 0: lost (it delivered frames of 2 channels; livecut takes gray, BGR or BGRX)" in err, err
    # (the 5 good frames, less any that a newer one replaced on a loaded machine: a live source keeps the newest)
    assert 1 <= probe(out)["frames"] <= 5
    fake_camera.instances.clear()
    monkeypatch.setattr(fake_camera, "read", lambda self: (True, np.zeros((120, 160, 2), np.uint8)))
    out = tmp_path / "two.mp4"
    code = _cli(["cam", "0", "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == ("livecut: error: camera 0: delivers frames of 2 channels; "
                                         "livecut takes gray, BGR or BGRX"), err
    assert not out.exists() and fake_camera.instances[-1].released


def test_a_cameras_frames_are_read_into_buffers_given_back(fake_camera, tmp_path):
    """Each frame of a camera was a new BGR array (a 1080p camera's 6 MB, 30 times a second, for
    as long as it ran), where a file's and a live stream's are decoded into the buffers the runner
    gives back (release_frame): a camera's are read into them too (OpenCV fills one of the
    frame's size in place), and hold the same pictures; in a run, `livecut cam 0 -o rec.mp4`."""
    with CameraSource(0) as src:
        first = src.read()
        seen = [first.image.copy()]
        src.release_frame(first.image)
        for _ in range(4):
            f = src.read()
            assert np.shares_memory(f.image, first.image)  # (the one buffer, given back each time)
            seen.append(f.image.copy())
            src.release_frame(f.image)
    assert len({s.tobytes() for s in seen}) == 5  # (each its own picture)
    out = tmp_path / "rec.mp4"
    assert _cli(["cam", "0", "-o", str(out), "-n", "12", "-q"]) == 0
    assert probe(out)["frames"] == 12
    assert fake_camera.instances[-1].into >= 6  # (the first few before any is given back)


@pytest.mark.parametrize("channels, size", [(4, None), (4, (320, 180)), (3, (320, 180)), (4, (100, 80))])
def test_a_bgrx_or_other_size_cameras_frames_are_made_in_buffers_given_back(fake_camera, monkeypatch,
                                                                          channels, size):
    """A camera delivering BGRX (4 channels) or a picture of another size than it opened at (fitted
    onto bars): each frame was a new array -- a BGRX one two (the read's, OpenCV not filling the
    BGR buffer given back, and cvtColor's), and one of another size BGRX three (the pool's BGR
    buffers let go for a BGRX one to fit it into).  Now the camera is read into one buffer of the
    source's own and the frame delivered is made in the buffers given back (release_frame), as a
    BGR camera's frames are: the same pictures, the bars black."""
    real = fake_camera.read
    made = []   # (the pictures the camera took)

    def read(self, image=None):
        ok, img = real(self, None)
        made.append(img.copy())
        if ok and self.n > 2:
            img = cv2.resize(img, size, interpolation=cv2.INTER_NEAREST) if size else img
            img = np.dstack([img, np.zeros(img.shape[:2], np.uint8)]) if channels == 4 else img
            if isinstance(image, np.ndarray) and image.shape == img.shape:
                self.into += 1
                image[...] = img
                return ok, image
        return ok, img

    monkeypatch.setattr(fake_camera, "read", read)
    with CameraSource(0) as src:
        images, pictures = [], []
        for _ in range(16):
            f = src.read()
            images.append(f.image)   # (kept: a new array each time has an address of its own)
            pictures.append((f.image.copy(), f.fit))
            src.release_frame(f.image)
    assert all(img.shape == (120, 160, 3) for img, _ in pictures)
    later = images[4:]   # (from the second frame of the new kind on)
    buffers = {img.__array_interface__["data"][0] for img in later}
    assert len(buffers) <= 2, len(buffers)   # (12 frames, each a new array: 12)
    assert fake_camera.instances[0].into >= len(later)   # (read into the source's own buffer)
    for (img, fit), took in zip(pictures, made):
        if fit is None:
            assert np.array_equal(img, took)
        else:   # (the picture between black bars; its top, the camera's grey 40 above its square, not black)
            y0, y1, x0, x1 = fit
            assert size is not None and (y1 - y0, x1 - x0) != (120, 160)
            inside = np.zeros(img.shape[:2], bool)
            inside[y0:y1, x0:x1] = True
            assert img[~inside].max() == 0 and img[y0:y0 + (y1 - y0) // 8, x0:x1].min() == 40
    assert (size is None) == all(fit is None for _, fit in pictures)
    assert len({img.tobytes() for img, _ in pictures}) == 16   # (each its own picture)


def test_the_frames_a_camera_gives_faster_than_they_are_judged_are_read_into_buffers_given_back(fake_camera):
    """A camera faster than the engine (a 30 fps camera judged at 10 fps): the runner keeps the
    newest frame only, and each frame it dropped took its buffer along, never given back
    (release_frame), so the reads after it made new arrays -- two frames in three, a 1080p
    frame's 6 MB each.  The frames dropped are given back too: the camera's reads go on into
    the same few buffers however many are dropped."""
    from livecut.runner import Pipeline

    class Sink:
        main_thread = False

        def __init__(self):
            self.n = 0

        def write(self, image, pts=None):
            self.n += 1

    def slow(image, need_output=True):
        time.sleep(0.02)
        return image, image

    fake_camera.fps = 250.0
    sink = Sink()
    with CameraSource(0) as src:
        st = Pipeline(src, slow, [sink], max_frames=15).run()
    cap = fake_camera.instances[0]
    assert sink.n == 15 and cap.n >= st.processed
    # (new arrays: the first reads', before any buffer came back; it was one a frame dropped)
    assert cap.n - cap.into <= 6, (cap.n, cap.into, st.dropped)


@pytest.mark.parametrize("recording", [False, True])
def test_a_cameras_frames_shown_in_a_main_thread_sink_are_read_into_buffers_given_back(fake_camera, recording):
    """`livecut cam 0` with its preview (a main-thread sink, which keeps the last view it was
    given: a window redrawn as it is moved; the Processor keeps that frame's image to draw it
    again while paused): no frame was given back to the camera (release_frame), each frame a new
    array, a 1080p frame's 6 MB 30 times a second.  Each is given back once the next one is
    shown: the picture shown is never written over while it is shown (here the view is the
    frame's image itself), and the camera's reads go into the same few buffers."""
    from livecut.runner import Pipeline

    class Shown:
        main_thread = True

        def __init__(self):
            self.n, self.view, self.seen, self.intact = 0, None, None, []

        def write(self, view, pts=None):
            if self.view is not None:   # (the one shown until now, as it was when given)
                self.intact.append(np.array_equal(self.view, self.seen))
            self.view, self.seen = view, view.copy()
            self.n += 1

    class Recording:
        main_thread = False

        def write(self, image, pts=None):
            pass

    def shown_as_is(image, need_output=True):
        time.sleep(0.005)
        return image, image

    fake_camera.fps = 250.0
    sink = Shown()
    with CameraSource(0) as src:
        Pipeline(src, shown_as_is, [sink, Recording()] if recording else [sink], max_frames=20).run()
    cap = fake_camera.instances[0]
    assert sink.n == 20 and len(sink.intact) == 19 and all(sink.intact)
    # (new arrays: the first reads', before any buffer came back; it was one a frame)
    assert cap.n - cap.into <= 6, (cap.n, cap.into)


@pytest.mark.parametrize("output", [None, "rec.mkv"])
def test_ctrl_c_as_the_virtual_camera_opens_says_what_a_run_stopped_says(fake_camera, fake_vcam, tmp_path, capsys,
                                                                          monkeypatch, output):
    """`livecut cam 0 --size 1280x720 --vcam -o rec.mkv`, Ctrl-C while the virtual camera opened
    (the camera on, the recording opened): the line was a bare 'interrupted', without the
    warning that the camera gives another size or what became of rec.mkv, which Ctrl-C a frame
    later says; now it is said as then: the warning, then 'interrupted (nothing was written to
    rec.mkv)', exit 130, the camera released and no rec.mkv left."""
    def opening(self, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(fake_vcam, "__init__", opening)
    out = tmp_path / "rec.mkv"
    code = _cli(["cam", "0", "--size", "1280x720", "--vcam", "-q"] + (["-o", str(out)] if output else []))
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    said = f"interrupted (nothing was written to {out})" if output else "interrupted"
    assert code == 130 and lines == ["livecut: warning: camera 0 delivers 160x120, not the requested 1280x720",
                                     f"livecut: error: {said}"], lines
    assert fake_camera.instances[-1].released == 1 and not out.exists()
