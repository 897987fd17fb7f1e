"""Shared pytest fixtures.  (Sections per area; append yours, do not replace others'.)"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_videos"


# ---------------------------------------------------------------- video (issue 3)


def killable_without_core() -> None:
    """A child's preexec_fn for a test that kills it by SIGQUIT (Ctrl-\\): no core dumped, and
    SIGQUIT at its default again -- a shell's background job (``pytest ... &`` in a script, as a CI
    runner may start it) ignores SIGINT and SIGQUIT, and its children with it, so that the signal
    did nothing and the test waited for a process that ran on."""
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def make_clip(path: Path, *, w: int = 320, h: int = 180, n: int = 20, fps: int = 25, audio: bool = False,
              pix_fmt: str = "yuv420p", codec: str = "libx264", pts: list[int] | None = None,
              time_base: Fraction | None = None, rotation: int = 0, seed: int = 0,
              audio_codec: str = "aac") -> Path:
    """A small synthetic clip: a sharp textured square moving over a blurred background.

    ``pts`` (in ``time_base`` units) gives variable-frame-rate timestamps.
    """
    import av
    import cv2

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(2, h // 10), max(2, w // 10), 3), dtype=np.uint8)
    bg = cv2.GaussianBlur(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), (0, 0), 3)
    tex = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    tb = time_base or Fraction(1, fps)
    with av.open(str(path), "w") as out:
        vs = out.add_stream(codec, rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, pix_fmt
        vs.time_base = tb
        vs.codec_context.time_base = tb
        if codec == "libx264":
            vs.options = {"preset": "ultrafast", "crf": "28"}
        if rotation:
            vs.set_display_rotation(rotation)
        as_ = None
        if audio:
            as_ = out.add_stream(audio_codec, rate=16000)
            as_.layout = "mono"
            fmt = "s16" if audio_codec.startswith("pcm_s16") else "fltp"
        for i in range(n):
            img = bg.copy()
            x = int((w - h // 2) * i / max(1, n - 1))
            img[h // 4:h // 4 + h // 2, x:x + h // 2] = tex[h // 4:h // 4 + h // 2, x:x + h // 2]
            f = av.VideoFrame.from_ndarray(img, format="bgr24")
            f.pts = pts[i] if pts is not None else i
            f.time_base = tb
            out.mux(vs.encode(f))
        out.mux(vs.encode(None))
        if as_ is not None:
            sr = 16000
            total = int(sr * n / fps)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(total) / sr)).astype(np.float32)
            if fmt == "s16":
                tone = (tone * 32767).astype(np.int16)
            for s in range(0, total, 1024):
                af = av.AudioFrame.from_ndarray(tone[None, s:s + 1024], format=fmt, layout="mono")
                af.sample_rate, af.pts, af.time_base = sr, s, Fraction(1, sr)
                out.mux(as_.encode(af))
            out.mux(as_.encode(None))
    return path


def probe(path: Path) -> dict:
    """Frame count (decoded), pts (s), fps, duration, rotation, pix_fmt, audio codecs of a video file."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        pts, rot, fmt = [], 0, None
        for f in c.decode(s):
            pts.append(float(f.pts * f.time_base))
            rot = f.rotation or 0
            fmt = f.format.name
        dur = float(s.duration * s.time_base) if s.duration else (c.duration or 0) / 1e6
        audio_packets = 0
        if c.streams.audio:  # decoding the video read this container to its end: count on a fresh one
            with av.open(str(path)) as c2:
                audio_packets = sum(1 for p in c2.demux(*c2.streams.audio) if p.size)
        return {"frames": len(pts), "pts": pts, "fps": float(s.average_rate or 0), "duration": dur,
                "rotation": rot, "pix_fmt": fmt, "codec": s.codec_context.name,
                "audio": [a.codec_context.name for a in c.streams.audio],
                "audio_packets": audio_packets}


@contextlib.contextmanager
def script_server(code: str, *args: str):
    """A server written as a Python script (``code``, run with ``args``) that prints its port
    first: yields the port; the process is killed after."""
    server = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    try:
        yield int(server.stdout.readline())
    finally:
        server.kill()
        server.wait()
        server.stdout.close()


def skip_unless_nvenc_without_its_device(width: int = 64, height: int = 48) -> None:
    """Skip unless this FFmpeg has h264_nvenc and it cannot open here (no NVIDIA GPU): a hardware
    encoder without its device, as most machines that run the tests have it."""
    import av

    try:
        ctx = av.CodecContext.create("h264_nvenc", "w")
        ctx.width, ctx.height, ctx.pix_fmt, ctx.time_base = width, height, "yuv420p", Fraction(1, 25)
        ctx.open()
    except av.codec.codec.UnknownCodecError:
        pytest.skip("this FFmpeg has no h264_nvenc")
    except av.error.FFmpegError:
        return  # (no device: what such a test needs)
    pytest.skip("h264_nvenc has its device here")


def run_cli(*args: str, timeout: float = 60, env: dict | None = None, cwd: Path | None = None
            ) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("DISPLAY", None)
    e.pop("WAYLAND_DISPLAY", None)
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-m", "livecut", *args], capture_output=True, text=True,
                          timeout=timeout, env=e, cwd=str(cwd or REPO))


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Generated test clips (built once per session)."""
    d = tmp_path_factory.mktemp("clips")
    return {
        "audio": make_clip(d / "audio.mp4", n=30, audio=True),
        "plain": make_clip(d / "plain.mp4", n=20),
        "vfr": make_clip(d / "vfr.mp4", n=15, time_base=Fraction(1, 1000),
                         pts=[0, 40, 80, 200, 240, 260, 280, 400, 440, 480, 600, 640, 680, 700, 740]),
        "rotated": make_clip(d / "rotated.mp4", n=10, rotation=90),
    }


def signal_after(p: subprocess.Popen, delay: float, sig: int, timeout: float = 30) -> tuple[str, float]:
    """Send ``sig`` to ``p`` after ``delay`` seconds; (its stderr, seconds it took to end)."""
    import time

    time.sleep(delay)
    t0 = time.monotonic()
    p.send_signal(sig)
    _, err = p.communicate(timeout=timeout)
    return err, time.monotonic() - t0


def signal_when_connected(clip, url_of, settings: list[str], env: dict, sig: int) -> tuple[int, str, float]:
    """``livecut file clip -o URL`` to a server on 127.0.0.1 that accepts the connection and never
    answers (``url_of(port)`` -> URL; ``settings``: ``--set`` arguments); ``sig`` once livecut is
    connected.  (Its exit code, its stderr, seconds it took to end.)"""
    import socket
    import sys
    import time

    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        srv.settimeout(30)
        p = subprocess.Popen([sys.executable, "-m", "livecut", "file", str(clip), "-o", url_of(srv.getsockname()[1]),
                              *settings], stderr=subprocess.PIPE, text=True, env=env)
        try:
            conn, _ = srv.accept()  # (livecut is in the publish now)
            time.sleep(0.3)
            err, took = signal_after(p, 0.0, sig)
            conn.close()
        finally:
            p.kill()
    return p.returncode, err, took


def interrupt_when(event, after: float, at: list) -> None:
    """Ctrl-C in the main thread ``after`` seconds once ``event`` (a threading.Event) is set;
    the time it fired is appended to ``at``."""
    import _thread
    import threading
    import time

    def fire():
        event.wait(30)
        time.sleep(after)
        at.append(time.perf_counter())
        _thread.interrupt_main()

    threading.Thread(target=fire, daemon=True).start()


def sigterm_through_c_code():
    """Raise what C code that called back into Python (numpy asking a path for its name, a
    PyAV callback) makes of a SIGTERM raised in that call: a SystemError with the signal's
    exception as its cause."""
    from livecut.runner import Terminated

    try:
        raise Terminated(15)
    except Terminated as exc:
        raise SystemError("<function PurePath.__str__> returned a result with an exception set") from exc


def traced_peak(call):
    """``(call(), peak)``: what ``call`` returns and the most memory Python traced while it ran
    (numpy's arrays count; OpenCV's own allocations do not)."""
    import tracemalloc

    tracemalloc.start()
    try:
        got = call()
        return got, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def slow_first_frame(monkeypatch):
    """The engine's first frame takes 0.4 s longer (warming up), the others as they are."""
    import time

    from livecut.runner import Processor

    real = Processor.__call__
    calls = []

    def first_slow(self, *a, **kw):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.4)
        return real(self, *a, **kw)

    monkeypatch.setattr(Processor, "__call__", first_slow)


class InterruptedAcquire:
    """Stands for a lock whose ``acquire``, once it has the lock, raises KeyboardInterrupt: a
    signal handled the moment ``acquire`` returned True, before the ``try`` of its release."""

    def __init__(self, lock):
        self.lock = lock

    def acquire(self, *args, **kwargs):
        if self.lock.acquire(*args, **kwargs):
            raise KeyboardInterrupt
        return False

    def __getattr__(self, name):
        return getattr(self.lock, name)


def free_for_another_thread(lock, timeout: float = 2.0) -> bool:
    """Whether another thread (a reader) can have ``lock`` within ``timeout`` seconds."""
    import threading

    got: list = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(timeout=timeout)), daemon=True)
    t.start()
    t.join(timeout + 3)
    return got == [True]


def stopped_from_another_thread(work, stop, error, *, after: float = 1.0, ready=None,
                                join: float = 15) -> tuple[float, list[str]]:
    """``work()`` in a thread of its own; ``after`` s later (once ``ready()`` is true, if given:
    10 s at most) ``stop()`` from this one, then its end awaited (``join`` s at most).  (Seconds
    from the stop to the thread's end, the messages of the ``error`` it raised.)"""
    import threading
    import time

    said: list[str] = []

    def run() -> None:
        try:
            work()
        except error as exc:
            said.append(str(exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    if ready is not None:
        deadline = time.monotonic() + 10
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.05)
    time.sleep(after)
    t0 = time.monotonic()
    stop()
    worker.join(join)
    return time.monotonic() - t0, said


@pytest.fixture
def scratch_methods():
    """Segmentation methods a test registers (``register_method``) are gone after it."""
    from livecut.segment.registry import _METHODS

    before = set(_METHODS)
    yield
    for name in set(_METHODS) - before:
        del _METHODS[name]


def _chattr_fixture(flag: str, what: str):
    """``make(path)``: ``chattr +FLAG path``, undone after the test (else its tmp_path cannot be
    removed); skips where it cannot be done: not root (CAP_LINUX_IMMUTABLE), no chattr, a file
    system without the flag (tmpfs, overlayfs, NFS)."""
    made: list[Path] = []

    def make(path: Path) -> None:
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            pytest.skip(f"chattr +{flag} needs root")
        try:
            r = subprocess.run(["chattr", f"+{flag}", str(path)], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"no chattr here: {exc}")
        if r.returncode != 0:
            pytest.skip(f"cannot make {path} {what} here: {r.stderr.strip()}")
        made.append(path)

    yield make
    for path in reversed(made):
        subprocess.run(["chattr", f"-{flag}", str(path)], capture_output=True, timeout=30)


@pytest.fixture
def immutable():
    """``immutable(path)``: ``chattr +i path`` (a folder then takes no new files, a file is not
    replaced: 'Operation not permitted', root too), undone after the test; skips where it cannot
    be done (see _chattr_fixture)."""
    yield from _chattr_fixture("i", "immutable")


@pytest.fixture
def append_only():
    """``append_only(path)``: ``chattr +a path`` (a folder then takes new names but lets none be
    removed or renamed: 'Operation not permitted', root too), undone after the test; skips where
    it cannot be done (see _chattr_fixture)."""
    yield from _chattr_fixture("a", "append-only")


# ---------------------------------------------------------------- signals (every test)

@pytest.fixture(autouse=True)
def _ctrl_c_as_in_a_terminal():
    """Each test runs with Python's own Ctrl-C handler, as a suite run in a terminal has: one
    started in the background of a shell (``pytest &``) inherits SIGINT ignored, and the tests
    that stand for a Ctrl-C in this process (``signal.raise_signal``, ``_thread.interrupt_main``)
    were not interrupted ("DID NOT RAISE Interrupted"); the programs they start inherited it
    ignored too; SIGTERM and SIGHUP ignored (``nohup``) are taken as by default, since the programs
    the tests start and stop with them inherit that.  SIGINT, SIGTERM and SIGHUP are put back after (a CLI stopped by a signal in this
    process ignores the next ones: it is on its way out)."""
    import signal

    sigs = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    saved = {sig: signal.getsignal(sig) for sig in sigs}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in sigs[1:]:  # (a suite run under nohup: the livecut runs it starts ignored SIGHUP too)
        if saved[sig] is signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:  # (None: set outside Python, left as it is)
                signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def _no_qt_platform_asked(monkeypatch):
    """Each test runs without a QT_QPA_PLATFORM of the machine's (a CI's 'offscreen'): the
    tests' windows are stand-ins, and livecut refuses a platform opencv-python's Qt lacks
    before any window (see livecut.sinks.preview.display_problem)."""
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)


# ---------------------------------------------------------------- interrupts a test makes itself

# (a KeyboardInterrupt a test sent itself and the code under test let escape fails that test,
# not the whole run: see tests/own_interrupts.py)
from own_interrupts import pytest_runtest_call, pytest_runtest_setup, pytest_runtest_teardown  # noqa: E402,F401


# ---------------------------------------------------------------- folders that keep names

#: why livecut says a temporary name stayed in a folder that lets none be removed (append-only,
#: ``chattr +a``), or where a test refuses its removal (:func:`refuse_removal`)
APPEND_ONLY = "operation not permitted: a folder that takes new names but lets none be removed, append-only?"


def refuse_removal(monkeypatch, refused=None, calls=("unlink",)) -> None:
    """As a folder made append-only (``chattr +a``) where that cannot be had (not root, tmpfs):
    the ``calls`` named -- ``"unlink"`` (``Path.unlink``), ``"rmdir"``, ``"rename"``,
    ``"replace"`` (``os``'s) -- fail with EPERM for each path ``refused(path)`` says (by
    default a temporary name: ``.livecut-`` in it)."""
    import errno

    if refused is None:
        def refused(p):
            return ".livecut-" in p.name

    def refusing(real):
        def call(path, *a, **kw):
            if refused(Path(path)):
                raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
            return real(path, *a, **kw)
        return call

    for name in calls:
        if name == "unlink":
            monkeypatch.setattr(Path, "unlink", refusing(Path.unlink))
        else:
            monkeypatch.setattr(os, name, refusing(getattr(os, name)))


@pytest.fixture
def unremovable(append_only, monkeypatch):
    """``unremovable(how, path, refused=None, calls=("unlink",))``: the folder ``path`` lets no
    name be removed, the tests' two ways: made append-only (``how == "chattr +a"``, see
    :func:`append_only`: skips where it cannot be done), or as one (any other ``how``, see
    :func:`refuse_removal`, given ``refused`` and ``calls``)."""
    def make(how: str, path: Path, refused=None, calls=("unlink",)) -> None:
        if how == "chattr +a":
            append_only(path)
        else:
            refuse_removal(monkeypatch, refused, calls=calls)
    return make


def open_that_stops(exc):
    """An ``open`` (to monkeypatch as a module's) whose files written under a temporary name
    (``.livecut-`` in it) take 100 bytes, then raise ``exc`` (a full disk, a Ctrl-C)."""
    import builtins

    class _Stopping:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *rest):
            self.fh.close()

        def write(self, data):
            self.fh.write(bytes(data)[:100])
            raise exc

    def stopping_open(path, mode="r", *a, **kw):
        fh = builtins.open(path, mode, *a, **kw)
        return _Stopping(fh) if ".livecut-" in Path(path).name and "w" in mode else fh

    return stopping_open


def latin1_titled_copy(src: Path, dst: Path) -> Path:
    """``src``'s video stream remuxed to ``dst`` with a title that is not UTF-8 (an old tool's
    Latin-1 'caf\xe9')."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", metadata_encoding="latin-1") as out:
        s = out.add_stream_from_template(inp.streams.video[0])
        out.metadata["title"] = "caf\xe9"
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = s
                out.mux(packet)
    return dst


def shape_spliced(folder: Path, later: str, sar: str, name: str = "shape.ts") -> Path:
    """1 s of anamorphic 16:9 (360x288, pixels 64:45: DVB's SD, shown 512x288), then 1 s of
    ``later`` (WxH) of pixels ``sar``, one MPEG-TS file: a TV recording's programme after its
    advert."""
    parts = []
    for i, (size, pixels) in enumerate((("360x288", "64/45"), (later, sar))):
        p = folder / f"{i}.ts"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25,setsar={pixels}",
                        "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-output_ts_offset", str(i),
                        "-f", "mpegts", str(p)], check=True, timeout=60)
        parts.append(p.read_bytes())
    out = folder / name
    out.write_bytes(b"".join(parts))
    return out


def scene_clip(path, w: int, h: int, *, blur: float = 0.0, sar: str = "1/1", offset: int = 0) -> bytes:
    """1 s of a synthetic scene (a sharp textured subject over a defocused background, the
    whole of it blurred by ``blur``) panning 1 px a frame, ``w`` x ``h`` of pixels ``sar``, as
    MPEG-TS."""
    import cv2
    from synth import make_scene

    img, _ = make_scene("basic", w=w + 25, h=h, seed=1)
    if blur:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    raw = b"".join(np.ascontiguousarray(img[:, i:i + w]).tobytes() for i in range(25))
    subprocess.run(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", "25",
                    "-i", "-", "-vf", f"setsar={sar}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-output_ts_offset", str(offset), "-f", "mpegts", str(path)], input=raw, check=True, timeout=60)
    return path.read_bytes()



class Tty(io.StringIO):
    """A text stream that says it is a terminal (a progress line drawn as on one)."""

    def isatty(self):
        return True


class JobShell:
    """A shell on a pseudo-terminal running ``argv`` in front of it, in a process group of its
    own, as an interactive shell runs a command: when the command stops (Ctrl-Z, SIGTSTP) the
    shell takes the terminal back, writes ``STOPPED`` there where ``say_stopped``, waits ``held``
    seconds and resumes it, in front (``fg``) or behind it (bg).  ``read(until)`` gathers what the
    terminal shows into ``out``; a context manager (the terminal closed, the shell waited for)."""

    def __init__(self, argv: list[str], *, held: float, fg: bool = True, say_stopped: bool = False):
        import pty

        env = dict(os.environ, TERM="xterm", COLUMNS="120")
        pid, fd = pty.fork()
        if pid == 0:
            try:
                child = os.fork()
                if child == 0:
                    os.setpgid(0, 0)
                    os.execve(argv[0], argv, env)
                os.setpgid(child, child)
                signal.signal(signal.SIGTTOU, signal.SIG_IGN)
                os.tcsetpgrp(0, child)
                while True:
                    _, status = os.waitpid(child, os.WUNTRACED)
                    if not os.WIFSTOPPED(status):
                        break
                    os.tcsetpgrp(0, os.getpgrp())  # (the shell's prompt)
                    if say_stopped:
                        os.write(1, b"STOPPED\n")
                    time.sleep(held)
                    if fg:
                        os.tcsetpgrp(0, child)
                    os.killpg(child, signal.SIGCONT)
            finally:
                os._exit(0)
        self.pid, self.fd, self.out = pid, fd, b""

    def read(self, until, seconds: float = 60.0) -> None:
        import select

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until():
            if select.select([self.fd], [], [], 0.05)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    return

    def __enter__(self) -> "JobShell":
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)
        os.waitpid(self.pid, 0)


# ---------------------------------------------------------------- a live run into a listening output


class LiveNoise:
    """A live source (a camera's stand-in) of noise frames (megabytes of H.264: more than a pipe
    or a socket holds), 160x120 at 25 fps, until :attr:`ended` is set."""

    live = True

    def __init__(self) -> None:
        import threading

        from livecut.sources.base import SourceInfo

        self.info = SourceInfo(160, 120, 25.0)
        self.ended = threading.Event()
        self._rng = np.random.default_rng(2)
        self._i = 0

    def __enter__(self) -> "LiveNoise":
        return self

    def __exit__(self, *exc: object) -> None:
        self.ended.set()

    def read(self):
        from livecut.progress import clock
        from livecut.sources.base import Frame

        if self.ended.wait(0.04):
            return None
        self._i += 1
        return Frame(self._rng.integers(0, 256, (120, 160, 3), dtype=np.uint8), self._i - 1,
                     pts=self._i / 25, captured_at=clock())


def live_run_ended_meanwhile(sink, meanwhile, timeout: float = 120):
    """A live source's run (:class:`LiveNoise`, processing that keeps each frame) into ``sink``,
    in a thread of its own, while ``meanwhile()`` runs in this one; then the source ends (as a
    camera's run ends with q) and the run is awaited: its Stats, or the error it raised.  The
    sink is then closed (as the command line closes its output: an error there is raised)."""
    import threading

    from livecut.runner import Pipeline

    source = LiveNoise()
    got: list = []

    def run() -> None:
        try:
            got.append(Pipeline(source, lambda img, need=True: (img, img), [sink]).run())
        except BaseException as exc:  # noqa: BLE001 -- the run's error, raised below
            got.append(exc)

    runs = threading.Thread(target=run, daemon=True)
    runs.start()
    try:
        meanwhile()
    finally:
        source.ended.set()
        runs.join(timeout)
        if runs.is_alive():
            sink.cancel()
            runs.join(30)
            sink.abort()
    assert got, "the run did not end"
    if isinstance(got[0], BaseException):
        sink.abort()
        raise got[0]
    sink.close()
    return got[0]


class StderrLines:
    """The lines of a process's stderr as they come (a thread reads them): see test_network, test_srt."""

    def __init__(self, p: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(p.stderr), daemon=True)
        self._reader.start()

    def wait_for(self, p: subprocess.Popen, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in ln for ln in list(self.lines)):
            assert p.poll() is None and time.monotonic() < deadline, f"no {text!r}: {self.lines}"
            time.sleep(0.02)

    def text(self) -> str:
        self._reader.join(30)
        return "".join(self.lines)
