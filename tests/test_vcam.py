"""Virtual camera sink, with a fake pyvirtualcam backend (pyvirtualcam.register_backend)."""

from __future__ import annotations

import builtins
import logging
import os
import sys
import time

import numpy as np
import pytest

from conftest import interrupt_when, make_clip
from livecut.errors import DeviceUnavailable, LivecutError
from livecut.pacing import Pacer
from livecut.resize import fitted_size
from livecut.sinks import SinkInfo, open_sink
from livecut.sinks.vcam import KEY_GREEN, VcamSink

pyvirtualcam = pytest.importorskip("pyvirtualcam")
from pyvirtualcam.util import decode_fourcc  # noqa: E402


class FakeCamera:
    """A pyvirtualcam backend that keeps what it receives (one instance per test via reset())."""

    instances: list["FakeCamera"] = []
    keep = True

    def __init__(self, *, width, height, fps, fourcc, device, **kw):
        if device not in (None, "/dev/video42"):
            raise RuntimeError(f"device {device} does not exist")
        self.width, self.height, self.fps = width, height, fps
        self.fourcc = decode_fourcc(fourcc)
        self._device = device or "/dev/video42"
        self.frames: list[np.ndarray] = []
        self.times: list[float] = []
        self.closed = 0
        FakeCamera.instances.append(self)

    def send(self, frame):
        self.times.append(time.perf_counter())
        if FakeCamera.keep:
            self.frames.append(frame.copy())

    def close(self):
        self.closed += 1

    def device(self):
        return self._device

    def native_fourcc(self):
        return None


class NoDevice:
    def __init__(self, **kw):
        raise RuntimeError("No v4l2 loopback device found at /dev/video[0-99]. "
                           "Did you run 'modprobe v4l2loopback'?")


@pytest.fixture(autouse=True)
def fake_backends():
    pyvirtualcam.register_backend("fake", FakeCamera)
    pyvirtualcam.register_backend("nodevice", NoDevice)
    FakeCamera.instances.clear()
    FakeCamera.keep = True
    yield
    pyvirtualcam.camera.BACKENDS.pop("fake", None)
    pyvirtualcam.camera.BACKENDS.pop("nodevice", None)


def _info(w=320, h=240, fps=30.0, ch=3):
    return SinkInfo(width=w, height=h, fps=fps, channels=ch)


def test_the_open_line_says_a_fractional_frame_rate_as_it_is(caplog):
    """29.97 fps was logged "@ 30 fps" (%.3g); a rate that is not whole is said to two decimals."""
    caplog.set_level(logging.INFO, logger="livecut")
    with open_sink("vcam", _info(fps=30000 / 1001), kind="vcam", backend="fake", pace=False):
        pass
    assert any("320x240 @ 29.97 fps" in r.getMessage() for r in caplog.records), caplog.text


def test_frames_reach_the_camera_in_bgr(caplog):
    caplog.set_level(logging.INFO, logger="livecut")
    rng = np.random.default_rng(1)
    sent = [rng.integers(0, 255, (240, 320, 3), np.uint8) for _ in range(5)]
    with open_sink("vcam", _info(), kind="vcam", backend="fake", pace=False) as sink:
        for i, img in enumerate(sent):
            sink.write(img, i / 30)
    cam = FakeCamera.instances[-1]
    assert cam.fourcc == "24BG"            # pyvirtualcam's BGR: no colour swap on our side
    assert (cam.width, cam.height, cam.fps) == (320, 240, 30.0)
    assert len(cam.frames) == 5 and cam.closed == 1
    for got, img in zip(cam.frames, sent):
        np.testing.assert_array_equal(got.reshape(240, 320, 3), img)
    assert sink.negotiated == {"device": "/dev/video42", "backend": "fake", "width": 320, "height": 240,
                               "fps": 30.0, "pixel_format": "BGR"}
    assert any("virtual camera /dev/video42 (fake): 320x240 @ 30 fps" in r.getMessage()
               for r in caplog.records)


def test_device_is_passed_through():
    with open_sink("vcam:/dev/video42", _info(), backend="fake", pace=False) as sink:
        sink.write(np.zeros((240, 320, 3), np.uint8))
    assert FakeCamera.instances[-1].device() == "/dev/video42"
    with pytest.raises(DeviceUnavailable, match=r"no virtual camera /dev/video7 available"):
        with VcamSink(_info(), device="/dev/video7", backend="fake"):
            pass


def test_cutout_is_flattened_over_key_green_and_mask_is_sent_in_colour():
    bgra = np.zeros((240, 320, 4), np.uint8)
    bgra[:, :160] = (10, 20, 30, 255)      # opaque left half, transparent right half
    with VcamSink(_info(ch=4), backend="fake", pace=False) as sink:
        sink.write(bgra)
    got = FakeCamera.instances[-1].frames[0].reshape(240, 320, 3)
    assert tuple(got[0, 0]) == (10, 20, 30) and tuple(got[0, 300]) == KEY_GREEN

    # a mask was sent as 1-channel gray: the v4l2loopback device became greyscale (J400/GREY),
    # a format browsers and call apps may not list; it goes as the other modes' BGR, replicated
    mask = np.full((240, 320), 200, np.uint8)
    mask[:, 160:] = 0
    with VcamSink(_info(ch=1), backend="fake", pace=False) as sink:
        sink.write(mask)
        sink.write(mask[:, :, None])
    cam = FakeCamera.instances[-1]
    assert cam.fourcc == "24BG" and sink.negotiated["pixel_format"] == "BGR"
    assert len(cam.frames) == 2
    for got in cam.frames:   # (pyvirtualcam hands its backend the frame flattened)
        assert got.size == 240 * 320 * 3
        np.testing.assert_array_equal(got.reshape(240, 320, 3), np.repeat(mask[:, :, None], 3, axis=2))


def _peak_of_one_write(sink, frames):
    """The sink's peak allocation (tracemalloc) while writing ``frames[1]``, after ``frames[0]``
    made its buffers; ``frames[2]`` is written last, its copy kept by the fake camera."""
    from conftest import traced_peak

    sink.write(frames[0])
    FakeCamera.keep = False  # (its copy is no allocation of the sink's)
    _, peak = traced_peak(lambda: sink.write(frames[1]))
    FakeCamera.keep = True
    sink.write(frames[2])
    return peak


def test_a_mask_is_made_colour_without_a_new_frame_each():
    # the mask's BGR was a new array each frame (a BGR frame's bytes); it is kept for the size
    w, h = 640, 360
    masks = [np.full((h, w), v, np.uint8) for v in (0, 77, 200)]
    with VcamSink(_info(w, h, ch=1), backend="fake", pace=False) as sink:
        peak = _peak_of_one_write(sink, masks)
    got = FakeCamera.instances[-1].frames[-1].reshape(h, w, 3)
    assert (got == 200).all()
    assert peak < h * w * 3 / 4, f"{peak / (h * w * 3):.2f} of a BGR frame made for one frame"


@pytest.mark.parametrize("channels", [3, 1])
def test_an_odd_sized_frame_is_sent_without_a_new_frame_each(channels):
    """A frame of an odd size (641x361) is sent a pixel smaller, its last row and column cut:
    that view was copied into a new array each frame to be sent (a whole BGR frame); the copy
    is made into a buffer kept for the size."""
    w, h = 641, 361
    frames = [np.full((h, w, channels) if channels > 1 else (h, w), v, np.uint8) for v in (0, 77, 200)]
    with VcamSink(_info(w, h, ch=channels), backend="fake", pace=False) as sink:
        peak = _peak_of_one_write(sink, frames)
    cam = FakeCamera.instances[-1]
    assert (cam.width, cam.height) == (640, 360)
    got = cam.frames[-1].reshape(360, 640, 3)
    assert (got == 200).all()
    assert peak < 640 * 360 * 3 / 4, f"{peak / (640 * 360 * 3):.2f} of a BGR frame made for one frame"


def test_a_cutout_is_flattened_without_a_new_alpha_plane_each():
    """A cutout (BGRA) is flattened over the key green in buffers kept for the size: its alpha,
    a strided view, was copied into a new plane each frame for OpenCV (0.23 MB at 640x360)."""
    w, h = 640, 360
    frames = [np.full((h, w, 4), v, np.uint8) for v in (0, 77, 200)]
    with VcamSink(_info(w, h, ch=4), backend="fake", pace=False) as sink:
        peak = _peak_of_one_write(sink, frames)
    got = FakeCamera.instances[-1].frames[-1].reshape(h, w, 3).astype(int)
    want = np.round(200 * 200 / 255 + np.array(KEY_GREEN) * 55 / 255)
    assert (np.abs(got - want) <= 1).all()
    assert peak < h * w / 8, f"{peak / (h * w):.2f} of an alpha plane made for one frame"


@pytest.mark.parametrize("h, w", [(1, 1), (4, 1)])
def test_a_cutout_of_one_pixel_or_a_4x1_column_is_flattened_as_any_other(h, w):
    """A BGRA frame of 1x1 or 4x1 was flattened with weights OpenCV 5.1 left unwritten (a
    number beside a 1x1 array read as a scalar) or took 1 - alpha / 255 as (1, 0, 0, 0) - it:
    its pixels came out white, or the subject where it was transparent; they are sent as the
    same pixels flattened over the key green, as a 3-channel frame, are."""
    alpha = np.array([100, 0, 200, 255][:h * w], np.uint8).reshape(h, w)
    bgra = np.zeros((h, w, 4), np.uint8)
    bgra[..., :3] = (10, 20, 30)
    bgra[..., 3] = alpha
    a = alpha[..., None] / 255
    flat = np.round(np.array((10, 20, 30)) * a + np.array(KEY_GREEN) * (1 - a)).astype(np.uint8)
    sent = []
    for frame in (bgra, flat):
        with VcamSink(_info(8, 8, ch=frame.shape[2]), backend="fake", pace=False) as sink:
            sink.write(frame)
        sent.append(FakeCamera.instances[-1].frames[-1].reshape(8, 8, 3).astype(int))
    # (the picture, fitted into the 8x8 device: the bars are the cutout's key green, the BGR frame's black)
    x, y, fw, fh = fitted_size(w, h, 8, 8)
    sent = [s[y:y + fh, x:x + fw] for s in sent]
    assert np.abs(sent[0] - sent[1]).max() <= 1, (sent[0][..., 1], sent[1][..., 1])


def test_cli_mask_to_vcam_is_sent_in_colour(clip, capsys, monkeypatch):
    """`livecut file clip.mp4 --mode mask --vcam`: the device is opened in BGR, as for the
    other modes, and gets 3-channel frames whose channels are the mask."""
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeCamera})  # never a real device
    assert _cli(["file", str(clip), "--mode", "mask", "--vcam", "--no-pace", "-n", "5", "-q"]) in (0, None)
    cam = FakeCamera.instances[-1]
    assert (cam.width, cam.height, cam.fourcc) == (320, 240, "24BG")
    assert len(cam.frames) == 5
    for got in cam.frames:
        assert got.size == 240 * 320 * 3
        got = got.reshape(240, 320, 3)
        assert (got[:, :, 0] == got[:, :, 1]).all() and (got[:, :, 0] == got[:, :, 2]).all()
    assert any(got.max() > 0 for got in cam.frames)


def test_odd_size_and_wrong_size_frames_are_fitted():
    with VcamSink(_info(w=321, h=241), backend="fake", pace=False) as sink:
        sink.write(np.zeros((241, 321, 3), np.uint8))
        sink.write(np.zeros((100, 100, 3), np.uint8))
    cam = FakeCamera.instances[-1]
    assert (cam.width, cam.height) == (320, 240)
    assert all(f.size == 320 * 240 * 3 for f in cam.frames)


def test_a_cutout_that_changed_size_mid_run_has_key_green_bars_not_black():
    """A cutout (BGRA) whose picture changed size mid-run (a camera, an adaptive stream) was
    flattened over the key green, then fitted: its bars came out black, a frame OBS's chroma
    key did not take out; they are transparent, as in a file, so they go out key green."""
    bgra = np.zeros((100, 320, 4), np.uint8)
    bgra[...] = (10, 20, 30, 255)  # opaque: all its pixels the subject
    with VcamSink(_info(ch=4), backend="fake", pace=False) as sink:
        sink.write(bgra)
    got = FakeCamera.instances[-1].frames[0].reshape(240, 320, 3)
    assert sink.warnings and "changed size mid-run to 320x100" in sink.warnings[0]
    assert tuple(got[120, 160]) == (10, 20, 30)
    assert tuple(got[0, 0]) == KEY_GREEN and tuple(got[-1, -1]) == KEY_GREEN


def test_an_odd_frame_size_sent_one_pixel_smaller_says_so():
    """Frames of an odd size (321x241) were sent a row and a column smaller without a word,
    where a video file says so ('frames 321x241 written as 320x240'); the run says so too."""
    with VcamSink(_info(w=321, h=241), backend="fake", pace=False) as sink:
        sink.write(np.zeros((241, 321, 3), np.uint8))
    assert (FakeCamera.instances[-1].width, FakeCamera.instances[-1].height) == (320, 240)
    assert sink.warnings == ["frames 321x241 sent to the virtual camera as 320x240 (its YUV formats need even sides)"]
    with VcamSink(_info(w=320, h=240), backend="fake", pace=False) as sink:
        sink.write(np.zeros((240, 320, 3), np.uint8))
    assert sink.warnings == []


def test_non_square_pixels_sent_as_square_say_so():
    """720x576 at 64:45 (16:9 PAL): a virtual camera cannot say its pixels' shape, and the
    picture went out squeezed to 5:4 without a word; the run says so, as for PNG frames."""
    from fractions import Fraction

    info = SinkInfo(width=720, height=576, fps=25.0, sample_aspect=Fraction(64, 45))
    with VcamSink(info, backend="fake", pace=False) as sink:
        sink.write(np.zeros((576, 720, 3), np.uint8))
    assert sink.warnings == ["non-square pixels (64:45) sent as square, the picture squeezed: a virtual "
                             "camera cannot say their shape"]


def test_frames_are_paced_to_their_timestamps():
    n, fps = 15, 30.0
    with VcamSink(_info(fps=fps), backend="fake") as sink:
        for i in range(n):
            sink.write(np.zeros((240, 320, 3), np.uint8), i / fps)
    t = FakeCamera.instances[-1].times
    span = t[-1] - t[0]
    assert (n - 1) / fps * 0.9 < span < (n - 1) / fps + 0.15


def test_pacer_resyncs_when_late_and_never_waits_on_jumps():
    clock = [0.0]
    waits: list[float] = []
    pacer = Pacer(30, resync_after=0.25, clock=lambda: clock[0], sleep=waits.append)
    pacer.wait(0.0)
    clock[0] = 0.01
    pacer.wait(1 / 30)                     # early: sleeps the rest
    assert waits and waits[-1] == pytest.approx(1 / 30 - 0.01)
    clock[0] = 5.0
    pacer.wait(2 / 30)                     # very late: resync, no sleep
    n = len(waits)
    clock[0] = 5.0
    pacer.wait(100.0)                      # jump ahead in pts: no freeze
    assert len(waits) == n


def test_no_device_is_one_clear_error(monkeypatch):
    with pytest.raises(DeviceUnavailable) as info:
        with VcamSink(_info(), backend="nodevice"):
            pass
    msg = str(info.value)
    assert "\n" not in msg
    assert "v4l2loopback" in msg and "modprobe v4l2loopback exclusive_caps=1 card_label=livecut" in msg \
        or "OBS" in msg
    assert isinstance(info.value, LivecutError) and info.value.exit_code != 0


def _pyvirtualcam_fails(monkeypatch, exc: ImportError) -> None:
    """``import pyvirtualcam`` raises ``exc`` (not installed, or not loadable)."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kw):
        if name == "pyvirtualcam":
            raise exc
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_missing_pyvirtualcam_says_how_to_install(monkeypatch):
    _pyvirtualcam_fails(monkeypatch, ImportError("No module named 'pyvirtualcam'"))
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info()).open()
    # (livecut is not on PyPI: the `pip install 'livecut[vcam]'` it said finds no such package)
    msg = str(info.value)
    assert "livecut[" not in msg, msg
    assert "pip install -e '.[vcam]' in the livecut checkout" in msg and "pip install pyvirtualcam" in msg, msg
    from livecut.devices import list_devices

    missing = list_devices(system="Darwin").missing
    assert any("pip install pyvirtualcam" in m and "livecut[" not in m for m in missing), missing


def test_a_pyvirtualcam_that_cannot_be_loaded_is_not_said_to_be_missing(monkeypatch):
    """pyvirtualcam installed but not loadable (its native module built against a newer
    libstdc++ than the system's) was said to be 'not installed', its advice 'pip install
    pyvirtualcam' (which answers 'Requirement already satisfied'); its own reason is said, and
    to reinstall it -- by --vcam and by `livecut devices` alike."""
    native = "pyvirtualcam._native_linux_v4l2loopback"
    why = ("/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by "
           "/venv/site-packages/pyvirtualcam/_native_linux_v4l2loopback.so)")
    _pyvirtualcam_fails(monkeypatch, ImportError(why, name=native))
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info()).open()
    msg = str(info.value)
    assert "not installed" not in msg, msg
    assert f"pyvirtualcam is installed but cannot be loaded ({why}); reinstall it: " \
           "pip install --force-reinstall pyvirtualcam" in msg, msg
    from livecut.devices import list_devices

    missing = list_devices(system="Darwin").missing
    assert not any("not installed" in m for m in missing), missing
    assert any(f"cannot be loaded ({why})" in m for m in missing), missing


def test_vcam_keeps_30_fps_at_720p():
    """The sink's own cost at 1280x720 leaves room for 30 fps (unpaced, fake device)."""
    FakeCamera.keep = False
    img = np.random.default_rng(0).integers(0, 255, (720, 1280, 3), np.uint8)
    n = 60
    with VcamSink(SinkInfo(1280, 720, 30.0), backend="fake", pace=False) as sink:
        t0 = time.perf_counter()
        for i in range(n):
            sink.write(img, i / 30)
        per_frame = (time.perf_counter() - t0) / n
    assert per_frame < 1 / 30 / 4, f"{per_frame * 1000:.1f} ms per frame"
    # paced: 30 fps held
    with VcamSink(SinkInfo(1280, 720, 30.0), backend="fake") as sink:
        for i in range(n):
            sink.write(img, i / 30)
    t = FakeCamera.instances[-1].times
    fps = (len(t) - 1) / (t[-1] - t[0])
    assert 28.5 < fps < 31.5, fps


# ---------------------------------------------------------------- through the CLI

@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("vclip") / "clip.mp4", w=320, h=240, n=20, fps=30)


def _cli(args):
    from livecut.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def test_cli_file_to_vcam(clip, capsys, monkeypatch):
    """`livecut file clip.mp4 --vcam`: every frame reaches the (fake) device, paced to 30 fps."""
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeCamera})  # never a real device
    assert _cli(["file", str(clip), "--vcam", "-q"]) in (0, None)
    cam = FakeCamera.instances[-1]
    assert (cam.width, cam.height, cam.fps, cam.fourcc) == (320, 240, 30.0, "24BG")
    assert len(cam.frames) == 20 and cam.closed == 1
    span = cam.times[-1] - cam.times[0]
    assert span > 19 / 30 * 0.85


@pytest.mark.parametrize("flags", [("-o", "vcam"), ("--vcam",)])
def test_cli_vcam_output_shows_a_frame_held_for_seconds_for_as_long(tmp_path, capsys, monkeypatch, flags):
    """`livecut file slides.mp4 -o vcam`: the file was not paced (only --vcam counted), the
    virtual camera's own pacing took a frame held over 2 s (a slideshow, a still screen) for
    a jump in the timestamps and sent the frames after it at once; -o vcam plays it as --vcam."""
    import av
    from fractions import Fraction

    path = tmp_path / "slides.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        for i, ms in enumerate((0, 2300, 2340)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 60 * i, np.uint8), format="bgr24")
            frame.pts, frame.time_base = ms, stream.time_base
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeCamera})  # never a real device
    assert _cli(["file", str(path), *flags, "-q"]) in (0, None), capsys.readouterr().err
    cam = FakeCamera.instances[-1]
    assert len(cam.times) == 3
    assert cam.times[1] - cam.times[0] > 2.0, [t - cam.times[0] for t in cam.times]


@pytest.mark.parametrize("flags", [("-o", "vcam", "--vcam"), ("-o", "vcam:/dev/video42", "--vcam"),
                                   ("-o", "vcam", "--vcam-device", "/dev/video42"),
                                   ("-o", "vcam:/dev/video42", "--vcam-device", "/dev/video42")])
def test_cli_vcam_output_and_vcam_flag_open_one_virtual_camera(clip, capsys, monkeypatch, flags):
    """`livecut file clip.mp4 -o vcam --vcam` opened two virtual cameras (the first two loopback
    devices, or the one named twice, the second refused as busy); -o vcam with --vcam is one
    virtual camera, as --vcam alone, on the device either names."""
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeCamera})  # never a real device
    assert _cli(["file", str(clip), *flags, "--no-pace", "-n", "5", "-q"]) in (0, None), capsys.readouterr().err
    assert len(FakeCamera.instances) == 1, [c.device() for c in FakeCamera.instances]
    cam = FakeCamera.instances[0]
    assert cam.device() == "/dev/video42" and len(cam.frames) == 5 and cam.closed == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a loopback's number is /dev/videoN on Linux")
@pytest.mark.parametrize("flags", [("--vcam-device", "42"), ("-o", "vcam:42"),
                                   ("-o", "vcam:42", "--vcam-device", "/dev/video42")])
def test_a_virtual_cameras_bare_number_is_its_dev_video(clip, capsys, monkeypatch, flags):
    """`livecut cam 0 --vcam-device 10` (a loopback's number, as `livecut cam 10` names a
    camera): it was the file `10` in the current folder, "no virtual camera 10 available (no such
    device); load v4l2loopback"; it is /dev/video10 (and with the same device named as a path,
    one virtual camera)."""
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeCamera})  # never a real device
    assert _cli(["file", str(clip), *flags, "--no-pace", "-n", "3", "-q"]) in (0, None), capsys.readouterr().err
    assert [c.device() for c in FakeCamera.instances] == ["/dev/video42"]


def test_cli_vcam_output_and_vcam_device_naming_two_are_refused(clip, capsys, monkeypatch):
    """-o vcam:DEVICE and --vcam-device naming another device: livecut sends to one virtual
    camera; refused in one line, exit 2, before any is opened."""
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeCamera})
    code = _cli(["file", str(clip), "-o", "vcam:/dev/video42", "--vcam-device", "/dev/video7", "-q"])
    err = capsys.readouterr().err
    assert code == 2 and err.splitlines() == [
        "livecut: error: -o vcam:/dev/video42 and --vcam-device /dev/video7 name two virtual cameras: livecut "
        "sends to one; give one of them"], err
    assert FakeCamera.instances == []


def test_cli_vcam_missing_device_is_one_line(clip, capsys, monkeypatch):
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"nodevice": NoDevice})
    code = _cli(["file", str(clip), "--vcam-device", "/dev/video63", "-q"])
    err = capsys.readouterr().err
    assert code not in (0, None)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("livecut: error:"), err
    assert "v4l2loopback" in lines[0] or "OBS" in lines[0]
    assert "Traceback" not in err


def test_no_device_message_gives_the_advice_once():
    class PyvirtualcamStyle:
        def __init__(self, **kw):
            raise RuntimeError("'v4l2loopback' backend: No v4l2 loopback device found at /dev/video[0-99]. "
                               "Did you run 'modprobe v4l2loopback'? See also pyvirtualcam's documentation.")

    pyvirtualcam.register_backend("pvcstyle", PyvirtualcamStyle)
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info(), backend="pvcstyle").open()
    msg = str(info.value)
    assert "No v4l2 loopback device found" in msg
    assert msg.count("modprobe") <= 1 and "Did you run" not in msg and "See also" not in msg
    assert len(msg) < 250, len(msg)  # was 330, with the advice twice (242: the guide said to be in the checkout)


def _refused_before_the_stream(*flags: str) -> tuple[int, float]:
    """`livecut run udp://... FLAGS` with nobody sending: (exit code, seconds)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    code = _cli(["run", f"udp://127.0.0.1:{port}", *flags, "-q"])
    return code, time.monotonic() - t0


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.path.exists("/sys/module/v4l2loopback"),
                    reason="needs Linux without v4l2loopback loaded")
@pytest.mark.parametrize("flags", [("--vcam",), ("-o", "vcam"), ("-o", "vcam:/dev/video63")])
def test_a_missing_virtual_camera_is_said_before_a_stream_is_waited_for(capsys, monkeypatch, flags):
    """`livecut run udp://... --vcam` without v4l2loopback waited for the stream first (up to
    video.open_timeout, 10 s), then said the stream gave nothing; the missing device now comes
    first, at once.  So does -o vcam (or vcam:DEVICE), the virtual camera as the output, which
    waited the 10 s and said 'no data within 10 s', exit 2."""
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS",
                        {"v4l2loopback": pyvirtualcam.camera.BACKENDS["v4l2loopback"]})
    code, took = _refused_before_the_stream(*flags)
    err = capsys.readouterr().err
    assert code == 1 and took < 4.0, (code, took, err)
    said = "/dev/video63 available (no such device)" if "/dev/video63" in flags[-1] else "v4l2loopback is not loaded"
    assert said in err and "modprobe v4l2loopback" in err and "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.path.exists("/sys/module/v4l2loopback"),
                    reason="needs Linux without v4l2loopback loaded")
def test_a_missing_virtual_camera_is_said_before_a_network_output_connects(clip, capsys, monkeypatch):
    """`livecut file clip.mp4 -o tcp://... --vcam` without v4l2loopback connected to the viewer
    (an rtmp:// output published to its server) before the missing device was said: the
    virtual camera is opened after the output; it is looked for before the output opens."""
    import socket

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS",
                        {"v4l2loopback": pyvirtualcam.camera.BACKENDS["v4l2loopback"]})
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        code = _cli(["file", str(clip), "-o", f"tcp://127.0.0.1:{listener.getsockname()[1]}", "--vcam", "-q"])
        try:
            listener.accept()[0].close()
            connected = True
        except socket.timeout:
            connected = False
    err = capsys.readouterr().err
    assert not connected
    assert code == 1 and "v4l2loopback is not loaded" in err, (code, err)


def test_a_missing_display_is_said_before_a_stream_is_waited_for(capsys, monkeypatch):
    """The same for --preview without a display."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, took = _refused_before_the_stream("--preview")
    err = capsys.readouterr().err
    assert code == 2 and took < 4.0, (code, took, err)
    assert "needs a display" in err and "Traceback" not in err


@pytest.mark.parametrize("reason,hint,not_said", [
    ("Virtual camera device /dev/video10 could not be configured: Device or resource busy",
     "another program", "modprobe"),
    ("Device /dev/video10 could not be opened: Permission denied", "'video' group", "modprobe"),
    ("No v4l2 loopback device found at /dev/video[0-99].", "modprobe v4l2loopback", "another program"),
    # (--vcam-device naming the webcam, or another node that is no loopback)
    ("Device /dev/video0 is not a video output device.", "`livecut devices` lists under 'virtual cameras'",
     "modprobe"),
    ("Device /dev/video10 is not a V4L2 device.", "not a virtual camera", "modprobe"),
    # (one this process has open already: a library's earlier one, not closed; it was 'load
    # v4l2loopback: sudo modprobe ...')
    ("Device /dev/video10 is already in use.", "this process sends to it already", "modprobe"),
])
def test_a_virtual_camera_that_will_not_open_gets_the_right_advice(reason, hint, not_said, tmp_path, monkeypatch):
    """A loopback device that is busy (another producer, or fixed at another size) or not
    allowed was answered with 'load v4l2loopback: sudo modprobe ...': the module is loaded."""
    import livecut.sinks.vcam as vcam

    # (v4l2loopback not loaded, wherever the test runs: loaded, "No v4l2 loopback device found"
    # says its devices are in use, see test_no_loopback_found_with_the_module_loaded_...)
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path / "absent"))
    class Refuses:
        def __init__(self, **kw):
            raise RuntimeError(reason)

    pyvirtualcam.register_backend("refuses", Refuses)
    try:
        with pytest.raises(DeviceUnavailable) as info:
            VcamSink(_info(), device="/dev/video10", backend="refuses").open()
    finally:
        pyvirtualcam.camera.BACKENDS.pop("refuses", None)
    msg = str(info.value)
    assert "\n" not in msg and hint in msg and not_said not in msg, msg


def test_a_virtual_camera_not_allowed_gets_the_video_group_advice_once():
    """What pyvirtualcam's v4l2loopback backend says when the device may not be opened
    (EACCES) was answered 'load v4l2loopback: sudo modprobe ...' (only 'Permission denied'
    was recognised), after pyvirtualcam's own "Run 'usermod -a -G video myusername'"."""
    class NotAllowed:
        def __init__(self, **kw):
            raise RuntimeError("Could not access /dev/video10 due to missing permissions. Did you add your "
                               "user to the 'video' group? Run 'usermod -a -G video myusername' and log "
                               "out and in again.")

    pyvirtualcam.register_backend("notallowed", NotAllowed)
    try:
        with pytest.raises(DeviceUnavailable) as info:
            VcamSink(_info(), device="/dev/video10", backend="notallowed").open()
    finally:
        pyvirtualcam.camera.BACKENDS.pop("notallowed", None)
    msg = str(info.value)
    assert "missing permissions" in msg and "'video' group" in msg, msg
    assert "modprobe" not in msg and "myusername" not in msg and msg.count("usermod") == 1, msg


@pytest.mark.skipif("v4l2loopback" not in pyvirtualcam.camera.BACKENDS, reason="needs pyvirtualcam's Linux backend")
def test_a_device_that_is_no_virtual_camera_is_not_answered_with_modprobe(tmp_path, monkeypatch):
    """`--vcam-device /dev/null` (or the webcam, or a folder): pyvirtualcam says the node is
    no loopback device, and livecut told to load v4l2loopback -- which does not help.  It says
    to pick a virtual camera `livecut devices` lists; and a device number that is not there
    while the module is loaded is answered so too."""
    import livecut.sinks.vcam as vcam

    for device in ("/dev/null", str(tmp_path)):
        with pytest.raises(DeviceUnavailable) as info:
            VcamSink(_info(), device=device, backend="v4l2loopback").open()
        msg = str(info.value)
        assert "not a virtual camera" in msg and "`livecut devices`" in msg and "modprobe" not in msg, msg
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path))      # (v4l2loopback loaded)
    with pytest.raises(DeviceUnavailable) as info:
        vcam.check_available("/dev/video63", "v4l2loopback")
    msg = str(info.value)
    assert "/dev/video63 available (no such device)" in msg and "`livecut devices`" in msg, msg
    assert "modprobe" not in msg, msg
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path / "absent"))   # (not loaded)
    with pytest.raises(DeviceUnavailable, match="modprobe v4l2loopback"):
        vcam.check_available("/dev/video63", "v4l2loopback")


@pytest.mark.skipif("v4l2loopback" not in pyvirtualcam.camera.BACKENDS, reason="needs pyvirtualcam's Linux backend")
def test_the_troubleshooting_row_of_a_device_not_there_says_its_fix_and_exit_code(tmp_path, monkeypatch):
    """docs/virtual-camera.md's Troubleshooting: `--vcam-device /dev/video63` with v4l2loopback
    not loaded says 'no virtual camera /dev/video63 available (no such device); load
    v4l2loopback ...', exit 1; the row whose message it matched told to pick a device that
    `livecut devices` lists (none, the module not loaded) and said exit 2.  The one row that
    each message matches says its exit code (and the module loaded, the device to pick)."""
    import re

    import livecut.sinks.vcam as vcam
    from conftest import REPO

    doc = (REPO / "docs/virtual-camera.md").read_text().split("## Troubleshooting", 1)[1]
    rows = [ln for ln in doc.splitlines() if ln.startswith("| `")]

    def matches(row: str, msg: str) -> bool:
        for pattern in re.findall(r"`([^`]+)`", row.split(" | ")[0]):
            # ("..." stands for any text, with the spaces beside it; /dev/videoN for any number)
            rx = re.sub(r"(\\ )?(\\\.){3}(\\ )?", ".*", re.escape(pattern))
            rx = rx.replace("/dev/videoN", r"/dev/video\d+")
            if re.search(rx, msg):
                return True
        return False

    for loaded, code in ((True, 2), (False, 1)):
        monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path if loaded else tmp_path / "absent"))
        with pytest.raises(DeviceUnavailable) as info:
            vcam.check_available("/dev/video63", "v4l2loopback")
        msg = str(info.value)
        assert getattr(info.value, "exit_code", 1) == code, msg
        found = [row for row in rows if matches(row, msg)]
        assert len(found) == 1, (msg, found)
        assert f"exit {code}" in found[0] and f"exit {3 - code}" not in found[0], (msg, found[0])
        fix = found[0].split(" | ")[1]
        assert ("pick one" in fix) == loaded and ("load the module" in fix) != loaded, (msg, found[0])

    # (the README's exit codes: a --vcam-device not there is exit 2 with the module loaded only)
    readme = (REPO / "README.md").read_text()
    row = next(ln for ln in readme.splitlines() if ln.startswith("| 2 |"))
    assert re.search(r"`--vcam-device` that is not there \(v4l2loopback loaded\)", row), row


def test_a_rotated_video_is_sent_upright():
    """A phone's portrait clip (stored sideways, display rotation 90): a camera has no display
    rotation, so the frames are sent turned upright (video calls showed it sideways)."""
    stored = np.zeros((240, 320, 3), np.uint8)
    stored[:, :40] = (0, 0, 255)  # the stored left edge: the bottom as it is shown
    with VcamSink(SinkInfo(width=320, height=240, fps=30.0, rotation=90), backend="fake", pace=False) as sink:
        sink.write(stored)
    cam = FakeCamera.instances[-1]
    assert (cam.width, cam.height) == (240, 320)
    got = cam.frames[0].reshape(320, 240, 3)
    assert tuple(got[-1, 120]) == (0, 0, 255) and tuple(got[0, 120]) == (0, 0, 0)


def test_ctrl_c_with_a_stalled_virtual_camera_ends_the_run_within_a_second(tmp_path):
    """A virtual camera whose send blocks (its reader stalled the device): it was taken for a
    file's slow encoder and waited for as long as it took -- Ctrl-C and SIGTERM never ended
    the run.  It is a peer now: abandoned (never closed under the send) within a second."""
    took, _, cam = _run_with_a_stalling_vcam(tmp_path, None)
    assert took < 1.0, took
    assert cam.closed == 0  # (not closed under the running send)


def _run_with_a_stalling_vcam(tmp_path, output):
    """run_video of a clip into ``output`` and a virtual camera whose send blocks from its 6th
    frame (for up to 8 s: without a fix the test ends, failing), with Ctrl-C 0.2 s into the
    stall: (seconds from the Ctrl-C to the run's end, the Interrupted raised, the camera)."""
    import threading

    from livecut.config import load_config
    from livecut.runner import Interrupted, run_video

    stalled, release = threading.Event(), threading.Event()

    class Stalling(FakeCamera):
        def send(self, frame):
            if len(self.times) >= 5:
                stalled.set()
                release.wait(8)
            super().send(frame)

    pyvirtualcam.register_backend("stalling", Stalling)
    at: list = []
    interrupt_when(stalled, 0.2, at)
    clip = make_clip(tmp_path / "c.mp4", n=200, w=160, h=120)
    try:
        with pytest.raises(Interrupted) as info:
            run_video(str(clip), output, load_config(), progress=False, pace=False,
                      extra_sinks=[("vcam", {"backend": "stalling"})])
        took = time.perf_counter() - at[0]
    finally:
        release.set()
        pyvirtualcam.camera.BACKENDS.pop("stalling", None)
    return took, info.value, Stalling.instances[-1]


def test_ctrl_c_with_a_stalled_virtual_camera_still_finalizes_the_recording(tmp_path):
    """`-o rec.mp4 --vcam`, the virtual camera's send blocked, Ctrl-C: giving up on the stuck
    writer abandoned every sink it feeds -- the recording's frames were thrown away and the
    message blamed rec.mp4's 'reader'.  Only the virtual camera is given up now (never closed
    under its send); the recording is finalised with its frames, and the message says both."""
    from conftest import probe

    out = tmp_path / "rec.mp4"
    took, exc, cam = _run_with_a_stalling_vcam(tmp_path, str(out))
    msg = str(exc)
    assert took < 1.5, took
    assert exc.exit_code == 130
    assert cam.closed == 0  # (not closed under the running send)
    frames = probe(out)["frames"]  # (the frames the camera took, and the one it is stuck on)
    assert frames == 6, frames
    assert f"rec.mp4 finalized with {frames} frames" in msg, msg
    assert "virtual camera could not be finished" in msg and "its reader" not in msg, msg


class _FakeLive:
    """A live stream's source for run_video (registered by a test): 64x48 frames at ``fps``;
    a subclass's ``read`` waits on ``_stop`` (set by ``stop``, as the runner stops a source)."""
    live = True
    fps = 25.0

    def __init__(self):
        import threading

        from livecut.sources.base import SourceInfo

        self.i, self.info = 0, SourceInfo(64, 48, self.fps)
        self._stop = threading.Event()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def stop(self):
        self._stop.set()


def test_a_live_stream_sent_to_a_virtual_camera_is_not_delayed(slow_first_frame):
    """As a camera's (d36ed42), a live stream's frames come at their own pace: paced again to
    their timestamps from the first frame sent, a slow first frame (the engine warming up)
    delayed every later frame as much for the whole run.  A live source's frames now go out
    as soon as processed."""
    from livecut.config import load_config
    from livecut.runner import run_video
    from livecut.sources import _SOURCES, register_source
    from livecut.sources.base import Frame

    class Stream(_FakeLive):  # (a live stream at 50 fps, its own timestamps)
        fps = 50.0

        def read(self):
            if self._stop.wait(0.02):
                return None
            self.i += 1
            return Frame(np.full((48, 64, 3), 80, np.uint8), self.i - 1, pts=self.i / 50,
                         captured_at=time.perf_counter())

    register_source("fakestream", lambda spec: spec.startswith("fakestream:"))(lambda spec, cfg, **o: Stream())
    try:
        stats = run_video("fakestream:x", None, load_config(), max_frames=40, progress=False,
                          extra_sinks=[("vcam", {"backend": "fake"})])
    finally:
        _SOURCES.pop("fakestream", None)
    later = sorted(stats.latencies_ms)[:len(stats.latencies_ms) - 5]   # (all but the slowest few)
    assert np.median(later) < 200, np.median(later)   # was ~ 400 ms: the first frame's latency
    assert FakeCamera.instances[-1].closed == 1


def test_a_slow_virtual_camera_gets_a_live_sources_newest_frame_not_a_backlog():
    """Behind a virtual camera slower than the camera, the writer's queue held up to 4 frames
    (video.queue_size), the oldest sent first: each frame waited for the sends of those before
    it (a 40 ms send, a 30 fps camera: 0.2 s behind; a 200 ms send 0.33 s).  A live run now
    hands the virtual camera its newest processed frame and drops the older ones waiting (counted
    as the summary counts drops).  Counted in frames, not time: each send takes the time the
    camera takes to deliver 3 frames, and the frame sent is at most one behind the camera's
    newest as the send begins (it was 4)."""
    import threading

    from livecut.runner import Pipeline
    from livecut.sources.base import Frame, SourceInfo

    made = threading.Condition()
    state = {"n": 0, "stopped": False}

    class Camera:  # (a camera at 25 fps, its frames' pixels their number)
        live = True

        def __init__(self):
            self.info = SourceInfo(64, 48, 25.0)
            self._stop = threading.Event()

        def read(self):
            if self._stop.wait(0.04) or state["n"] >= 250:
                return None
            with made:
                state["n"] += 1
                made.notify_all()
            return Frame(np.full((48, 64, 3), state["n"], np.uint8), state["n"], pts=state["n"] / 25,
                         captured_at=time.perf_counter())

        def stop(self):
            self._stop.set()
            with made:
                state["stopped"] = True
                made.notify_all()

    behind: list[int] = []

    class SlowCamera(FakeCamera):  # (each send lasts while the camera delivers 3 frames)
        def send(self, frame):
            with made:
                newest = state["n"]
                behind.append(newest - int(np.asarray(frame).reshape(-1)[0]))
                made.wait_for(lambda: state["stopped"] or state["n"] >= newest + 3, timeout=5)

    pyvirtualcam.register_backend("slow", SlowCamera)
    try:
        src = Camera()
        sink = open_sink("vcam", _info(64, 48, 25.0), backend="slow", pace=False)
        with sink:
            st = Pipeline(src, lambda image, need, **kw: (image, image), [sink], max_frames=20).run()
    finally:
        pyvirtualcam.camera.BACKENDS.pop("slow", None)
    assert st.written == 20 and len(behind) == 20, (st.written, behind)
    steady = behind[5:]  # (the queue full by then: 4 frames before)
    assert np.median(steady) <= 2, behind  # was 4: the oldest of 4 frames waiting went first (0 or 1 now)
    assert st.dropped >= st.processed - st.written > 0, (st.dropped, st.processed, st.written)


#: `livecut ARGS` with a virtual camera whose closing fails (the device gone at the end: a
#: v4l2loopback module unloaded, an OBS camera stopped), its backend registered as a plugin's
_FAILS_TO_CLOSE = """
import sys, pyvirtualcam

class FailsToClose:
    def __init__(self, *, width, height, fps, fourcc, device, **kw):
        pass
    def send(self, frame):
        pass
    def close(self):
        raise RuntimeError("Device /dev/video42: VIDIOC_STREAMOFF failed: No such device")
    def device(self):
        return "/dev/video42"
    def native_fourcc(self):
        return None

pyvirtualcam.camera.BACKENDS.clear()  # (never a real device)
pyvirtualcam.register_backend("failstoclose", FailsToClose)
from livecut.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("debug", [False, True])
def test_a_virtual_camera_that_fails_to_close_is_one_line(clip, debug):
    """A virtual camera whose closing failed printed the run's line, then pyvirtualcam's
    "Exception ignored in: <function Camera.__del__ ...>" and a traceback (the camera,
    collected, closed its backend again); one line now, a traceback only with LIVECUT_DEBUG=1."""
    import subprocess

    from rtsp_helpers import env_with_repo

    env = env_with_repo()
    env.pop("LIVECUT_DEBUG", None)
    if debug:
        env["LIVECUT_DEBUG"] = "1"
    r = subprocess.run([sys.executable, "-c", _FAILS_TO_CLOSE, "file", str(clip), "--vcam", "-q"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "virtual camera: closing failed: Device /dev/video42: VIDIOC_STREAMOFF failed" in r.stderr
    assert "Exception ignored" not in r.stderr and "__del__" not in r.stderr, r.stderr
    if not debug:
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("livecut: error:"), r.stderr


def test_a_frame_time_that_is_no_time_is_a_typed_error():
    """A paced virtual camera given a pts of "0.04" raised a bare TypeError from its pacer."""
    from livecut.errors import ConfigTypeError

    with open_sink("vcam", _info(), kind="vcam", backend="fake", pace=True) as sink:
        with pytest.raises(ConfigTypeError, match="virtual camera: pts '0.04'"):
            sink.write(np.zeros((240, 320, 3), np.uint8), "0.04")
        sink.write(np.zeros((240, 320, 3), np.uint8), 0.0)
    assert len(FakeCamera.instances[-1].frames) == 1


def test_a_frame_the_camera_cannot_take_is_a_typed_error():
    """A virtual camera given a frame it cannot send (None, an empty one, 2 channels, a list)
    raised a bare AttributeError or ZeroDivisionError, or said it in pyvirtualcam's words
    ("unexpected frame shape"); each is an ArrayError that says what to give, as the file
    and stream sinks say it, and the device is not opened for it."""
    from livecut.errors import ArrayError

    img = np.full((240, 320, 3), 100, np.uint8)
    sink = open_sink("vcam", _info(), kind="vcam", backend="fake", pace=False)
    for frame in (None, img[:0], img[:, :, :2], img.tolist(), img / 255.0):
        with pytest.raises(ArrayError, match="virtual camera: cannot write a frame of"):
            sink.write(frame)
    assert not FakeCamera.instances
    with sink:
        sink.write(img)
        sink.write(img[:, :, 0])
    assert len(FakeCamera.instances[-1].frames) == 2


def test_pace_that_is_not_true_or_false_is_refused():
    """VcamSink(pace='no') was paced ('no' is truthy)."""
    from livecut.errors import ConfigTypeError

    with pytest.raises(ConfigTypeError, match="pace must be True or False, got 'no'"):
        open_sink("vcam", _info(), kind="vcam", backend="fake", pace="no")
    assert VcamSink(_info(), backend="fake", pace=lambda: True)._paced is not None


@pytest.mark.parametrize("command", ["file", "run", "cam"])
def test_an_empty_vcam_device_is_refused_not_dropped(tmp_path, command):
    """--vcam-device "$DEV" with DEV unset was taken as no virtual camera at all: livecut file
    and run wrote -o alone, exit 0, livecut cam would show its window instead; refused, one
    line, exit 2, before the input is read or a camera looked for."""
    from typer.testing import CliRunner

    from livecut.cli import app

    src = "0" if command == "cam" else str(make_clip(tmp_path / "src.mp4", w=96, h=64, n=3))
    out = tmp_path / "o.mp4"
    r = CliRunner().invoke(app, [command, src, "-o", str(out), "--vcam-device", "", "-q"])
    assert r.exit_code == 2, r.output
    assert r.stderr.splitlines() == ["livecut: error: --vcam-device is empty: give the virtual camera's device, "
                                     "e.g. /dev/video10 (see `livecut devices`), or --vcam for the first one"], r.stderr
    assert not out.exists()


class FailsOnceOpen(FakeCamera):
    """A backend (a plugin's) that opens, then fails where ``FAILS`` says: asked its pixel format
    or device, or sending a frame (the device gone: a module unloaded, an OBS camera stopped)."""

    FAILS = "native_fourcc"
    REASON = "Device /dev/video42 does not exist."

    def native_fourcc(self):
        if self.FAILS == "native_fourcc":
            raise RuntimeError(self.REASON)
        return None

    def device(self):
        if self.FAILS == "device":
            raise RuntimeError(self.REASON)
        return super().device()

    def send(self, frame):
        if self.FAILS == "send":
            raise RuntimeError(self.REASON)
        super().send(frame)


@pytest.mark.parametrize("fails", ["native_fourcc", "device", "send"])
def test_a_virtual_camera_that_fails_once_open_is_a_write_error(clip, capsys, monkeypatch, fails):
    """A virtual camera whose backend opened, then failed when asked its pixel format or device
    (to log them), was 'livecut: error: internal error: RuntimeError: ...', the camera left open;
    a failure once the device opened is the run's (exit 1, not a device named wrong: exit 2), in
    one line that says the camera opened, and the camera is closed."""
    from livecut.errors import DeviceNameError, VideoWriteError

    monkeypatch.setattr(FailsOnceOpen, "FAILS", fails)
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"failsonceopen": FailsOnceOpen})
    with pytest.raises(VideoWriteError) as info:
        with VcamSink(_info(), device="/dev/video42", backend="failsonceopen", pace=False) as sink:
            sink.write(np.zeros((240, 320, 3), np.uint8))
    assert not isinstance(info.value, DeviceNameError) and info.value.exit_code == 1
    assert "Device /dev/video42 does not exist" in str(info.value) and "\n" not in str(info.value)
    assert FakeCamera.instances[-1].closed == 1
    code = _cli(["file", str(clip), "--vcam-device", "/dev/video42", "--no-pace", "-q"])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1 and lines[0].startswith("livecut: error: virtual camera"), lines
    assert "internal error" not in lines[0] and "pick one" not in lines[0], lines
    assert FakeCamera.instances[-1].closed == 1


def test_non_square_pixels_of_a_turned_clip_said_as_shown():
    """A phone's clip stored 4:3-pixel sideways (rotation 90) is sent turned upright: its
    pixels are then 3:4 as shown, where the warning said the stored 4:3."""
    from fractions import Fraction

    info = SinkInfo(width=64, height=48, fps=25.0, sample_aspect=Fraction(4, 3), rotation=90)
    with VcamSink(info, backend="fake", pace=False) as sink:
        sink.write(np.zeros((48, 64, 3), np.uint8))
    assert sink.warnings == ["non-square pixels (3:4) sent as square, the picture squeezed: a virtual "
                             "camera cannot say their shape"]


class FailsToClose(FakeCamera):
    """A virtual camera whose closing fails (the device gone at the end: a v4l2loopback module
    unloaded, an OBS camera stopped); ``sending`` is set once it has taken 5 frames."""

    sending = None

    def send(self, frame):
        super().send(frame)
        if len(self.times) == 5 and FailsToClose.sending is not None:
            FailsToClose.sending.set()

    def close(self):
        super().close()
        raise RuntimeError("Device /dev/video42: VIDIOC_STREAMOFF failed: No such device")


def test_a_virtual_camera_that_fails_to_close_leaves_the_recording_beside_it_whole(tmp_path, monkeypatch):
    """`-o rec.mp4 --vcam`, the virtual camera's closing failing at the end: its error went
    through the recording's close as a failed run's, and rec.mp4, whole, was thrown away (no
    file at all).  The recording is finalized with every frame; the closing's error is still
    the run's (exit 1)."""
    from conftest import probe
    from livecut.config import load_config
    from livecut.errors import VideoWriteError
    from livecut.runner import run_video

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"failstoclose": FailsToClose})
    clip = make_clip(tmp_path / "c.mp4", n=12, w=96, h=64)
    out = tmp_path / "rec.mp4"
    with pytest.raises(VideoWriteError, match="virtual camera: closing failed: Device /dev/video42"):
        run_video(str(clip), str(out), load_config(), progress=False, pace=False,
                  extra_sinks=[("vcam", {"backend": "failstoclose"})])
    assert FailsToClose.instances[-1].closed == 1
    assert out.exists() and probe(out)["frames"] == 12


def test_a_file_cut_short_then_a_virtual_camera_that_fails_to_close_is_still_incomplete(tmp_path, monkeypatch):
    """`livecut file half.ts -o rec.mp4 --vcam`, the file cut short (exit 3, 'ends early') and the
    virtual camera's closing then failing: it ended 'virtual camera: closing failed', exit 1, the
    shortfall unsaid.  It stays incomplete (IncompleteError, exit 3), the closing's failure said
    at the end of the line; the recording holds the frames read."""
    import subprocess

    from conftest import probe
    from livecut.config import load_config
    from livecut.errors import IncompleteError
    from livecut.runner import run_video

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"failstoclose": FailsToClose})
    whole = tmp_path / "whole.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=2",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mpegts", str(whole)], check=True)
    half = tmp_path / "half.ts"
    data = whole.read_bytes()
    half.write_bytes(data[:len(data) // 2 + 7])
    out = tmp_path / "rec.mp4"
    with pytest.raises(IncompleteError) as info:
        run_video(str(half), str(out), load_config(), progress=False, pace=False,
                  extra_sinks=[("vcam", {"backend": "failstoclose"})])
    msg = str(info.value)
    assert "the video ends early" in msg and msg.endswith(
        "; virtual camera: closing failed: Device /dev/video42: VIDIOC_STREAMOFF failed: No such device"), msg
    assert FailsToClose.instances[-1].closed == 1
    assert 0 < probe(out)["frames"] < 50


def _interrupted_with_a_camera_that_fails_to_close(tmp_path, monkeypatch, run):
    """``run()`` with :class:`FailsToClose` the only backend and Ctrl-C 0.2 s after its 5th frame
    (its frames paced: the 300 take 10 s): what ``run`` returned or raised."""
    import threading

    FailsToClose.sending = threading.Event()
    monkeypatch.setattr(FailsToClose, "sending", FailsToClose.sending)
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"failstoclose": FailsToClose})
    interrupt_when(FailsToClose.sending, 0.2, [])
    return run(make_clip(tmp_path / "c.mp4", n=300, w=96, h=64))


@pytest.mark.parametrize("output", [None, "rec.mp4", "vcam"])
def test_ctrl_c_then_a_virtual_camera_that_fails_to_close_is_still_an_interrupt(tmp_path, monkeypatch, output):
    """Ctrl-C in `livecut file x.mp4 --vcam` (or `-o vcam`, or `-o rec.mp4 --vcam`), the virtual
    camera's closing then failing (its device gone): the run ended 'virtual camera: closing
    failed', exit 1, as if it had failed, not been stopped.  It is Interrupted, exit 130, the
    closing's failure said after what became of the outputs."""
    from conftest import probe
    from livecut.config import load_config
    from livecut.runner import Interrupted, run_video

    out = str(tmp_path / output) if output == "rec.mp4" else output
    extra = [] if output == "vcam" else [("vcam", {})]

    def run(clip):
        with pytest.raises(Interrupted) as info:
            run_video(str(clip), out, load_config(), progress=False, extra_sinks=extra)
        return info.value

    exc = _interrupted_with_a_camera_that_fails_to_close(tmp_path, monkeypatch, run)
    msg = str(exc)
    assert exc.exit_code == 130, msg
    assert msg.startswith("interrupted (") and msg.endswith(
        "virtual camera: closing failed: Device /dev/video42: VIDIOC_STREAMOFF failed: No such device)"), msg
    assert FailsToClose.instances[-1].closed == 1
    if output == "rec.mp4":
        frames = probe(tmp_path / "rec.mp4")["frames"]
        assert msg.startswith(f"interrupted ({out} finalized with {frames} frames; virtual camera"), msg


def test_ctrl_c_then_a_virtual_camera_that_fails_to_close_exits_130(tmp_path, capsys, monkeypatch):
    """The same through the command line: one line, exit 130 (it was 1)."""
    code = _interrupted_with_a_camera_that_fails_to_close(
        tmp_path, monkeypatch, lambda clip: _cli(["file", str(clip), "--vcam", "-q"]))
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 130, lines
    assert lines == ["livecut: error: interrupted (virtual camera: closing failed: Device /dev/video42: "
                     "VIDIOC_STREAMOFF failed: No such device)"], lines


@pytest.mark.parametrize("as_output", [False, True])
def test_a_stream_that_comes_in_bursts_is_paced_by_o_vcam_as_by_vcam(monkeypatch, as_output):
    """A live stream that comes a segment at a time (HLS, DASH: 6 frames at once every 0.24 s)
    is paced to its timestamps by --vcam, smoothed out; `-o vcam` took the rule of a network
    output (a live source is never paced again) and sent each burst at once, 6 frames in a few
    ms then nothing.  -o vcam paces it as --vcam does."""
    from livecut.config import load_config
    from livecut.runner import run_video
    from livecut.sources import _SOURCES, register_source
    from livecut.sources.base import Frame

    class Bursts(_FakeLive):  # (a live HLS stream at 25 fps, a 0.24 s segment at a time)
        live_buffer = 8

        def read(self):
            if self.i % 6 == 0 and self._stop.wait(0.24):
                return None
            self.i += 1
            return Frame(np.full((48, 64, 3), 80, np.uint8), self.i - 1, pts=(self.i - 1) / 25,
                         captured_at=time.perf_counter())

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"fake": FakeCamera})  # never a real device
    register_source("bursts", lambda spec: spec.startswith("bursts:"))(lambda spec, cfg, **o: Bursts())
    try:
        run_video("bursts:x", "vcam" if as_output else None, load_config(), max_frames=36, progress=False,
                  extra_sinks=[] if as_output else [("vcam", {})])
    finally:
        _SOURCES.pop("bursts", None)
    t = FakeCamera.instances[-1].times
    assert len(t) == 36
    gaps = np.diff(t)
    # (paced: a frame every 40 ms; sent as they come: 5 of a burst's 6 within a few ms)
    assert np.median(gaps) > 0.025, np.round(gaps * 1000)


def test_a_backend_that_is_not_there_is_said_so(capfd, tmp_path):
    """A virtual camera asked for a backend pyvirtualcam does not have here (``backend='obs'``
    on Linux, a typo) was 'no virtual camera available ('obs'); load v4l2loopback: sudo
    modprobe ...', and pyvirtualcam then printed "Exception ignored in: <function
    Camera.__del__ ...>" and a traceback; it says the backend is not there and which are, exit
    2 (a run: before its outputs open)."""
    import gc

    from livecut.config import load_config
    from livecut.errors import DeviceNameError
    from livecut.runner import run_video
    from livecut.sinks.vcam import check_available

    clip = make_clip(tmp_path / "c.mp4", n=3, w=64, h=48)
    for attempt in (lambda: VcamSink(_info(), backend="nosuch").open(),
                    lambda: check_available(None, "nosuch"),
                    lambda: run_video(str(clip), None, load_config(), progress=False,
                                      extra_sinks=[("vcam", {"backend": "nosuch"})])):
        with pytest.raises(DeviceNameError) as info:
            attempt()
        msg = str(info.value)
        assert info.value.exit_code == 2
        assert msg.startswith("virtual camera: no backend 'nosuch' here (pyvirtualcam has: "), msg
        assert "'fake'" in msg and "modprobe" not in msg, msg
        gc.collect()
    assert "Exception ignored" not in capfd.readouterr().err


def test_the_reasons_of_several_backends_are_said_apart(monkeypatch):
    """No backend named, pyvirtualcam tries each it has (on Windows 'obs' then 'unitycapture')
    and joins their errors line by line; the reason said ran them together, "(virtual camera
    output could not be started No camera registered)", one sentence of two backends'.  Each
    backend's reason is said apart, named, its advice left out as before."""
    class Obs:
        def __init__(self, **kw):
            raise RuntimeError("virtual camera output could not be started")

    class Unity:
        def __init__(self, **kw):
            raise RuntimeError("No camera registered. Did you install any camera?")

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"obs": Obs, "unitycapture": Unity})
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info()).open()
    msg = str(info.value)
    assert "(obs: virtual camera output could not be started; unitycapture: No camera registered)" in msg, msg
    assert "Did you" not in msg and "\n" not in msg, msg


def test_a_reason_that_says_not_installed_is_kept_and_its_advice_left_out(monkeypatch):
    """pyvirtualcam's macOS backend without OBS's virtual camera says "OBS Virtual Camera is not
    installed in your system. Use the Virtual Camera function in OBS 30.0 or later to trigger the
    installation ... You may need to restart your machine after that. [Device not found]": every
    sentence naming an install was taken for advice, the reason with it, and the line said
    '(You may need to restart your machine after that. [Device not found])'.  The reason is kept,
    the advice (livecut gives its own) left out."""
    class NotInstalled:
        def __init__(self, **kw):
            raise RuntimeError("OBS Virtual Camera is not installed in your system. Use the Virtual Camera function "
                               "in OBS 30.0 or later to trigger the installation and activate the System Extension "
                               "in System Settings. You may need to restart your machine after that. "
                               "[Device not found]")

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"obs": NotInstalled})
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info()).open()
    msg = str(info.value)
    assert msg.startswith("no virtual camera available (OBS Virtual Camera is not installed in your system"), msg
    assert "after that" not in msg and "trigger the installation" not in msg, msg
    assert "install OBS Studio" in msg, msg  # (livecut's advice, once)


@pytest.mark.parametrize("system", ["Windows", "Darwin"])
def test_obs_virtual_camera_in_use_is_not_answered_with_install_obs(monkeypatch, system):
    """pyvirtualcam's Windows OBS backend says 'virtual camera output could not be started'
    where the camera's shared queue exists already: another program sends to it (OBS's own
    'Start Virtual Camera', another livecut).  The answer was 'install OBS Studio 28+ and click
    Start Virtual Camera once', which OBS running its virtual camera makes worse; it is the
    advice of a device in use now (exit 1, as a busy v4l2loopback device)."""
    class InUse:
        def __init__(self, **kw):
            raise RuntimeError("virtual camera output could not be started")

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"obs": InUse})
    monkeypatch.setattr("platform.system", lambda: system)
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info()).open()
    msg = str(info.value)
    assert "(virtual camera output could not be started)" in msg, msg
    assert "install OBS" not in msg and "another program may be sending to it" in msg, msg
    assert info.value.exit_code == 1


def test_a_second_obs_camera_of_one_process_on_a_mac_is_said_to_be_its_own(monkeypatch):
    """pyvirtualcam's macOS backend takes one camera a process: a second one (a library's
    earlier VcamSink not closed, or abandoned under a send that did not return) says "Multiple
    cameras are not supported by this backend.", which was answered 'install OBS Studio 28+ and
    click Start Virtual Camera once'; it is this process's own camera, as v4l2loopback's 'is
    already in use' is answered."""
    class SecondOne:
        def __init__(self, **kw):
            raise RuntimeError("Multiple cameras are not supported by this backend.")

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"obs": SecondOne})
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info()).open()
    msg = str(info.value)
    assert "install OBS" not in msg and "this process sends to it already" in msg, msg


@pytest.mark.parametrize("backends", [["obs"], ["obs", "unitycapture"], ["obs", "no-unitycapture"]])
def test_a_device_named_that_obs_does_not_have_is_bad_input(monkeypatch, backends):
    """On macOS and Windows, `--vcam-device /dev/video10` (a Linux guide's) or any name but OBS's:
    pyvirtualcam says "This backend supports only the 'OBS Virtual Camera' device." (Windows'
    Unity Capture backend "No camera registered with this name."), which was answered 'install
    OBS Studio 28+ and click Start Virtual Camera once', exit 1, where OBS is installed.  It is
    the name given that is wrong, as a v4l2loopback device not there: exit 2, saying the one the
    backend has."""
    from livecut.errors import DeviceNameError

    class Obs:
        def __init__(self, *, device, **kw):
            if device not in (None, "OBS Virtual Camera"):
                raise ValueError("This backend supports only the 'OBS Virtual Camera' device.")

    class Unity:
        def __init__(self, *, device, **kw):
            raise RuntimeError("No camera registered with this name.")

    class NoUnity:  # (Unity Capture not installed: no camera of its own, whatever the name)
        def __init__(self, *, device, **kw):
            raise RuntimeError("No camera registered. Did you install any camera?")

    have = {"obs": Obs, "unitycapture": Unity, "no-unitycapture": NoUnity}
    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {name: have[name] for name in backends})
    monkeypatch.setattr("platform.system", lambda: "Windows")
    with pytest.raises(DeviceNameError) as info:
        VcamSink(_info(), device="/dev/video10").open()
    msg = str(info.value)
    assert info.value.exit_code == 2 and "install OBS" not in msg, msg
    assert msg.startswith("no virtual camera /dev/video10 available (") and "'OBS Virtual Camera'" in msg, msg


def test_no_loopback_found_with_the_module_loaded_is_not_answered_with_modprobe(tmp_path, monkeypatch):
    """A second `livecut cam 0 --vcam` while a first one sends to the only loopback device:
    loaded with exclusive_caps=1 (as the guide loads it), a device in use shows as a camera
    only, and pyvirtualcam, trying each /dev/videoN, says "No v4l2 loopback device found at
    /dev/video[0-99]", as it does with none loaded; the answer was 'load v4l2loopback: sudo
    modprobe ...', the module loaded.  Loaded, it says that its devices are in use (exit 1)."""
    import livecut.sinks.vcam as vcam

    class AllInUse:
        def __init__(self, **kw):
            raise RuntimeError("No v4l2 loopback device found at /dev/video[0-99]. Did you run 'modprobe "
                               "v4l2loopback'? See also pyvirtualcam's documentation.")

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"v4l2loopback": AllInUse})
    monkeypatch.setattr("platform.system", lambda: "Linux")
    for loaded in (True, False):
        monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path if loaded else tmp_path / "absent"))
        with pytest.raises(DeviceUnavailable) as info:
            VcamSink(_info()).open()
        msg = str(info.value)
        assert info.value.exit_code == 1 and "No v4l2 loopback device found" in msg, msg
        assert ("modprobe" in msg) != loaded and ("in use" in msg) == loaded, (loaded, msg)


def test_a_loopback_device_named_that_another_program_sends_to_is_said_to_be_in_use(tmp_path, monkeypatch):
    """`--vcam-device /dev/video10` while another program (another livecut) sends to it: loaded
    with exclusive_caps=1 (as the guide loads it), a loopback device in use shows as a camera
    only, and pyvirtualcam says "Device /dev/video10 is not a video output device."; the answer
    was 'it is not a virtual camera: pick one that `livecut devices` lists under virtual cameras'
    -- where `livecut devices` lists it --, exit 2.  A device whose driver is v4l2 loopback is
    said to be in use, exit 1 (busy); a webcam named is said as before, exit 2."""
    import livecut.devices
    import livecut.sinks.vcam as vcam
    from livecut.errors import DeviceNameError

    class Loopback:
        def __init__(self, *, device, **kw):
            raise ValueError(f"Device {device} is not a video output device.")

    monkeypatch.setattr(pyvirtualcam.camera, "BACKENDS", {"v4l2loopback": Loopback})
    monkeypatch.setattr("platform.system", lambda: "Linux")
    monkeypatch.setattr(vcam, "LOOPBACK_MODULE", str(tmp_path))  # (v4l2loopback loaded)
    drivers = {"/dev/video10": "v4l2 loopback", "/dev/video0": "uvcvideo"}
    monkeypatch.setattr(livecut.devices, "_query_v4l2", lambda dev: (1, drivers.get(str(dev), ""), []))
    with pytest.raises(DeviceUnavailable) as info:
        VcamSink(_info(), device="/dev/video10").open()
    msg = str(info.value)
    assert info.value.exit_code == 1 and not isinstance(info.value, DeviceNameError), msg
    assert "not a virtual camera" not in msg and "another program" in msg, msg
    with pytest.raises(DeviceNameError, match="it is not a virtual camera"):
        VcamSink(_info(), device="/dev/video0").open()
