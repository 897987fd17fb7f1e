"""Parts that must run on macOS and Windows too, simulated here (no Windows needed)."""

from __future__ import annotations

import sys

import pytest


def test_bench_cpu_time_without_resource(monkeypatch):
    """Windows has no ``resource`` module: ``bench --transcode`` still measures CPU time."""
    from livecut import bench

    monkeypatch.setitem(sys.modules, "resource", None)  # `import resource` raises ImportError
    a = bench._process_cpu()
    sum(i * i for i in range(200_000))
    assert bench._process_cpu() > a >= 0


def test_batch_jobs_with_spawn_only(monkeypatch, tmp_path):
    """Windows has only the 'spawn' start method (no forkserver, no fork): ``batch --jobs 2``
    still runs, its worker function, settings and queue travel to spawned processes."""
    import multiprocessing

    import cv2

    from conftest import make_clip
    from livecut.batch import run_batch
    from livecut.config import load_config
    from synth import make_scene

    get_context = multiprocessing.get_context

    def windows_get_context(method=None):
        if method in ("fork", "forkserver"):
            raise ValueError(f"cannot find context for {method!r}")  # as on Windows
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(multiprocessing, "get_context", windows_get_context)
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    img, _ = make_scene("basic", w=200, h=150, seed=0)
    assert cv2.imwrite(str(shoot / "a.jpg"), img)
    make_clip(shoot / "v.mp4", n=4, seed=1)
    report = run_batch([str(shoot)], tmp_path / "out", load_config(None, []), jobs=2)
    assert report.done == 2 and report.failed == 0, report.errors
    assert (tmp_path / "out" / "a.png").exists() or any((tmp_path / "out").glob("a.*"))


class _FakeKernel32:
    """Just enough of Windows' kernel32 for pid_exists: only ``alive`` pids exist."""

    def __init__(self, alive: set[int]):
        self.alive = alive
        self.error = 0

    def OpenProcess(self, access, inherit, pid):  # noqa: N802
        if pid in self.alive:
            return 1000 + pid
        self.error = 87  # ERROR_INVALID_PARAMETER
        return 0

    def GetExitCodeProcess(self, handle, ref):  # noqa: N802
        ref._obj.value = 259  # STILL_ACTIVE
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        return 1


def _as_windows(monkeypatch, alive: set[int]) -> list:
    """sys.platform win32, kernel32 faked; os.kill(pid, 0) as on Windows: signal 0 is
    CTRL_C_EVENT, sent to the console (no error for a process that is gone).  Returns the
    list of such sends."""
    import ctypes
    import multiprocessing.connection  # noqa: F401  (imported on the real platform: under win32 it needs _winapi)
    import os

    k = _FakeKernel32(alive)
    sent: list = []

    def kill(pid, sig):
        sent.append((pid, sig))
        if sig == 0:
            return None  # GenerateConsoleCtrlEvent(CTRL_C_EVENT, ...)
        raise AssertionError("TerminateProcess")

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "WinDLL", lambda name, use_last_error=False: k, raising=False)
    monkeypatch.setattr(ctypes, "get_last_error", lambda: k.error, raising=False)
    monkeypatch.setattr(os, "kill", kill)
    return sent


def test_stale_temp_of_a_dead_process_is_found_without_ctrl_c_on_windows(monkeypatch, tmp_path):
    import os
    import time

    from livecut.atomic import STALE_SECONDS, is_stale

    old = tmp_path / ".out.mp4.livecut-99999-abcdef-01234567.mp4"
    old.write_bytes(b"x")
    t = time.time() - STALE_SECONDS - 10
    os.utime(old, (t, t))
    sent = _as_windows(monkeypatch, alive={4242})
    assert is_stale(old, 99999, time.time())       # its process is gone
    assert not is_stale(old, 4242, time.time())    # its process runs
    assert sent == []                               # no CTRL_C_EVENT sent to the console


def test_batch_worker_stops_when_its_driver_is_gone_on_windows(monkeypatch):
    """The worker's watch on its driver: gone (a dead pid) -> the worker exits; no Ctrl-C."""
    import os
    import signal
    import threading

    from livecut import atomic, batch

    exited = threading.Event()

    def fake_exit(code):  # (returns: the watch thread then ends, none outlives the test)
        exited.set()

    monkeypatch.setattr(signal, "signal", lambda *a: None)
    monkeypatch.setattr(os, "_exit", fake_exit)
    # (the watch removes the temporaries and keeps atomic's creation lock, for good -- its
    # process ends; here it does not, and every later test's video writer waited on the lock
    # the ended thread held: the suite hung at the next test that wrote a video)
    monkeypatch.setattr(atomic, "_CREATING", threading.RLock())
    sent = _as_windows(monkeypatch, alive=set())

    def kill(pid, sig):  # (as above: a process that is gone)
        sent.append((pid, sig))
        raise ProcessLookupError
    monkeypatch.setattr(os, "kill", kill)
    batch._init_worker(1, driver=99999)
    assert exited.wait(5.0)
    assert sent == []
    watch = [t for t in threading.enumerate() if t.name == "livecut-driver-watch"]
    for t in watch:
        t.join(5.0)
    assert not any(t.is_alive() for t in watch)  # (a later test counts livecut-* threads)


def test_srt_watchdog_runs_without_sighup():
    """Windows has no signal.SIGHUP: the SRT bridge's watchdog still runs its child and
    exits with its status (it died with AttributeError, leaving the child behind)."""
    import json
    import os
    import subprocess

    from livecut.srtbridge import _WATCHDOG

    code = "import signal; del signal.SIGHUP; exec(compile(" + repr(_WATCHDOG) + ", '<watchdog>', 'exec'))"
    child = [sys.executable, "-c", "import sys; sys.exit(3)"]
    # (the watchdog takes its child's command from the environment, as the bridge gives it)
    env = dict(os.environ, LIVECUT_SRT_CMD=json.dumps({"argv": child, "fds": []}))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 3, r.stderr


def test_srt_is_refused_in_one_line_on_windows(monkeypatch):
    """The SRT bridge polls its pipes with select(), which Windows allows on sockets only: an
    srt:// run there failed with a misleading 'the ffmpeg pipe was closed'; it is refused."""
    from livecut import srtbridge

    monkeypatch.setattr(srtbridge.sys, "platform", "win32")
    srtbridge._probe_ffmpeg.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="not supported on Windows"):
            srtbridge.ffmpeg_for_srt()
    finally:
        srtbridge._probe_ffmpeg.cache_clear()


def test_batch_inputs_on_two_drives_are_one_clear_error(monkeypatch, tmp_path):
    """Windows: `batch C:\\a D:\\b -o out` raised an uncaught ValueError ("Paths don't have the
    same drive") from the output tree's common folder; now one usage error."""
    import cv2
    import numpy as np

    from livecut import batch
    from livecut.errors import UsageError

    for name in ("a.png", "b.png"):
        cv2.imwrite(str(tmp_path / name), np.zeros((32, 32, 3), np.uint8))

    def no_common(paths):
        raise ValueError("Paths don't have the same drive")

    monkeypatch.setattr(batch.os.path, "commonpath", no_common)
    with pytest.raises(UsageError, match="different drives"):
        batch.expand([str(tmp_path / "a.png"), str(tmp_path / "b.png")], tmp_path / "out")
