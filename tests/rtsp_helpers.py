"""Helpers for the network tests: a local RTSP server (GStreamer), free ports, ffprobe counts.

Everything binds 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SERVER = HERE / "rtsp_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"
REPO = HERE.parent


def gst_missing() -> str | None:
    """Why the GStreamer RTSP server cannot run here (None when it can)."""
    if not os.path.exists(SYSTEM_PYTHON):
        return f"{SYSTEM_PYTHON} not found"
    probe = ("import gi; gi.require_version('Gst','1.0'); gi.require_version('GstRtspServer','1.0');"
             "from gi.repository import Gst, GstRtspServer; Gst.init(None);"
             "import sys; sys.exit(0 if all(Gst.ElementFactory.find(e) for e in "
             "('videotestsrc','x264enc','rtph264pay')) else 3)")
    try:
        r = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"GStreamer probe failed: {exc}"
    if r.returncode == 3:
        return "GStreamer plugins missing (gstreamer1.0-plugins-{base,good,ugly,bad}); see .ci/apt-packages-dev.txt"
    if r.returncode != 0:
        return ("GStreamer RTSP server missing (python3-gi gir1.2-gst-rtsp-server-1.0); "
                "see .ci/apt-packages-dev.txt")
    return None


def require_gst() -> None:
    reason = gst_missing()
    if reason:
        pytest.skip(reason)


def require_gst_tls() -> None:
    """Skip unless the GStreamer RTSP server can serve rtsps:// (GIO's TLS backend)."""
    require_gst()
    probe = ("from gi.repository import Gio; import sys;"
             "sys.exit(0 if Gio.TlsBackend.get_default().supports_tls() else 3)")
    try:
        r = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"GIO TLS probe failed: {exc}")
    if r.returncode != 0:
        pytest.skip("GIO has no TLS backend (glib-networking): the RTSP server cannot serve rtsps://; "
                    "see .ci/apt-packages-dev.txt")


def require_ffmpeg() -> None:
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")


def udp_bound(port: int) -> bool | None:
    """Whether a UDP socket is bound to ``port``, read from /proc/net/udp (not probed by a bind
    of our own, which a loaded machine may hold long enough to take the port from a listener
    starting meanwhile); None where there is no /proc/net/udp (not Linux)."""
    try:
        with open("/proc/net/udp") as f:
            return f":{port:04X} " in f.read()
    except FileNotFoundError:
        return None


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RtspServer:
    """``with RtspServer(port) as srv: srv.url`` -- the test pattern at rtsp://127.0.0.1:PORT/test;
    with ``tls=(cert.pem, key.pem)``, at rtsps://127.0.0.1:PORT/test (see require_gst_tls); with
    ``record=PATH``, a server a client publishes to, which writes the H.264 it gets to PATH; ``path``:
    the address's path on the server (/test)."""

    def __init__(self, port: int | None = None, size: str = "320x240", fps: int = 30,
                 lifetime: float = 90.0, tls: tuple | None = None, record: Path | None = None,
                 path: str = "/test") -> None:
        self.port = port or free_port()
        self.size, self.fps, self.lifetime = size, fps, lifetime
        self.proc: subprocess.Popen | None = None
        self.tls = tls
        self.record = record
        self.path = path
        self.url = f"{'rtsps' if tls else 'rtsp'}://127.0.0.1:{self.port}{path}"

    def start(self, timeout: float = 15.0) -> "RtspServer":
        deadline = time.monotonic() + timeout
        while True:  # the port may be in TIME_WAIT right after a kill: retry briefly
            self.proc = subprocess.Popen(
                [SYSTEM_PYTHON, str(SERVER), "--port", str(self.port), "--size", self.size,
                 "--fps", str(self.fps), "--lifetime", str(self.lifetime), "--path", self.path,
                 *(["--cert", str(self.tls[0]), "--key", str(self.tls[1])] if self.tls else []),
                 *(["--record", str(self.record)] if self.record else [])],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            line = self.proc.stdout.readline().strip()  # READY ... or ERROR ...
            if line.startswith("READY"):
                return self
            self.stop()
            if time.monotonic() > deadline:
                raise RuntimeError(f"RTSP server did not start: {line!r}")
            time.sleep(0.2)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        try:
            proc.wait(timeout=10)
        finally:
            if proc.stdout:
                proc.stdout.close()

    def __enter__(self) -> "RtspServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ffprobe_count(args: list[str], *, stdin=None, input_bytes: bytes | None = None,
                  timeout: float = 30) -> dict:
    """Run ffprobe -count_frames on args (e.g. ['-']); returns the first video stream's entries."""
    cmd = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
           "-show_entries", "stream=codec_name,pix_fmt,width,height,nb_read_frames,avg_frame_rate",
           "-of", "json", *args]
    r = subprocess.run(cmd, stdin=stdin, input=input_bytes, capture_output=True, timeout=timeout)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    streams = json.loads(r.stdout)["streams"]
    assert streams, "ffprobe found no video stream"
    return streams[0]


def livecut_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "livecut", *args]


def env_with_repo() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
