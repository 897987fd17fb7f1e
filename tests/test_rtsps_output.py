"""rtsps:// outputs (RTSP over TLS): published end to end to GStreamer's RTSP server in RECORD
mode on 127.0.0.1, speaking only TLS with a self-signed certificate made here (see
rtsp_helpers.require_gst_tls), which writes the H.264 it receives to a file that ffprobe counts.
The relay speaks TLS to the server and checks its certificate (video.tls_verify), as for
rtmps:// (test_rtmp.py).  Each test takes a few seconds."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import signal_when_connected
from rtsp_helpers import (RtspServer, env_with_repo, ffprobe_count, require_ffmpeg, require_gst,
                          require_gst_tls)
from test_tls_input import cert  # noqa: F401  (the self-signed certificate fixture)

SECRET = "pw123"
N = 50  # frames of the clip (2 s at 25 fps)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    require_ffmpeg()
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                    "-frames:v", str(N), "-pix_fmt", "yuv420p", "-c:v", "libx264", str(path)],
                   check=True, timeout=60)
    return path


def _env(trust=None) -> dict:
    env = env_with_repo()
    env.pop("SSL_CERT_FILE", None)
    env.pop("SSL_CERT_DIR", None)
    if trust is not None:
        env["SSL_CERT_FILE"] = str(trust)
    return env


def _error_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("livecut: error:"), err
    return lines[0]


def _received(path, wait: float = 5.0) -> dict | None:
    """What the server wrote (ffprobe's count), once it stops growing; None for nothing."""
    deadline, last = time.monotonic() + wait, -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else 0
        if size and size == last:
            return ffprobe_count([str(path)])
        last = size
        time.sleep(0.3)
    return ffprobe_count([str(path)]) if path.exists() and path.stat().st_size else None


@pytest.mark.parametrize("trusted, settings", [
    (True, []),
    (True, ["video.rtsp_transport=udp"]),   # (rtsps:// is TCP whatever the key, as FFmpeg's is)
    (False, ["video.tls_verify=false"]),
    (False, []),
], ids=["trusted", "trusted-udp-key", "unchecked", "self-signed"])
def test_publishing_to_an_rtsps_server(clip, cert, tmp_path, trusted, settings):
    """`livecut file clip.mp4 -o rtsps://...` publishes every frame to an RTSP server over TLS
    whose certificate SSL_CERT_FILE names, or that video.tls_verify = false does not check; a
    self-signed one not trusted is refused (one line, exit 1), nothing received.  The password
    is never shown.  (rtsps:// was refused as an output: 'unsupported output URL scheme'.)"""
    require_gst_tls()
    got = tmp_path / "got.h264"
    with RtspServer(tls=cert, record=got) as srv:
        url = srv.url.replace("rtsps://", f"rtsps://pub:{SECRET}@")
        sets = [a for s in ["video.open_timeout=10", *settings] for a in ("--set", s)]
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(clip), "-o", url, *sets],
                           capture_output=True, text=True, timeout=60,
                           env=_env(cert[0] if trusted else None))
        received = _received(got, wait=5.0 if r.returncode == 0 else 1.0)
    assert SECRET not in r.stderr and "Traceback" not in r.stderr, r.stderr
    if not trusted and not settings:
        assert r.returncode == 1, r.stderr
        line = _error_line(r.stderr)
        assert line.startswith(f"livecut: error: rtsps://***@127.0.0.1:{srv.port}/test: ")
        assert line.endswith("cannot start the stream: TLS: certificate verify failed (self-signed certificate) "
                             "(a server with a self-signed certificate: --set video.tls_verify=false)"), line
        assert received is None
        return
    assert r.returncode == 0, r.stderr
    assert f"rtsps://***@127.0.0.1:{srv.port}/test: {N} frames" in r.stderr, r.stderr
    assert received is not None, r.stderr
    assert (received["codec_name"], received["width"], received["height"]) == ("h264", 320, 240)
    # (the server's parser may still hold the last frame when the TEARDOWN ends its media)
    assert N - 1 <= int(received["nb_read_frames"]) <= N, received


def test_an_rtsps_server_by_a_name_its_certificate_does_not_hold_is_refused(clip, cert, tmp_path):
    """The host name is checked too: the certificate is for 127.0.0.1, the URL says localhost."""
    require_gst_tls()
    with RtspServer(tls=cert, record=tmp_path / "got.h264") as srv:
        url = srv.url.replace("127.0.0.1", "localhost")
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(clip), "-o", url],
                           capture_output=True, text=True, timeout=60, env=_env(cert[0]))
    assert r.returncode == 1, r.stderr
    line = _error_line(r.stderr)
    assert "certificate verify failed (Hostname mismatch" in line and "--set video.tls_verify=false" in line, line


@pytest.mark.parametrize("sig, code, said", [(signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGTERM, 143, "stopped by SIGTERM")])
def test_a_signal_while_an_rtsps_server_does_not_answer_ends_the_run_at_once(clip, sig, code, said):
    """A server that accepts the connection and never answers (its TLS handshake neither):
    Ctrl-C or SIGTERM ends the run at once, as for rtsp:// (the relay gives up at the signal),
    and says that nothing reached the server and why (it said only 'interrupted')."""
    ports = []
    rc, err, took = signal_when_connected(clip, lambda port: ports.append(port) or
                                          f"rtsps://pub:{SECRET}@127.0.0.1:{port}/live",
                                          ["--set", "video.open_timeout=8"], _env(), sig)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == code and lines == [f"livecut: error: {said} (nothing reached rtsps://***@127.0.0.1:{ports[0]}/live: "
                                    "the server did not answer)"], (rc, err)
    assert took < 3.0, took   # (at once, not video.open_timeout's 8 s: it took 1.02 s on a loaded machine)
    assert SECRET not in err


def test_an_rtsps_output_to_a_server_that_takes_the_connection_and_says_nothing_says_where_it_waited(clip):
    """A server that takes the connection and never answers (the kernel accepts it: a socket
    that listens and never accepts) said 'no answer within N s', where an rtmps:// output to it
    says 'no answer to the TLS handshake within N s': rtsps:// says that too."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        port = srv.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(clip), "-o",
                            f"rtsps://pub:{SECRET}@127.0.0.1:{port}/live", "--set", "video.open_timeout=1.5"],
                           capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == 1 and _error_line(r.stderr) == (f"livecut: error: rtsps://***@127.0.0.1:{port}/live: "
                                                           "no answer to the TLS handshake within 1.5 s"), r.stderr
    assert SECRET not in r.stderr


def test_an_rtsps_url_without_a_port_is_published_to_port_322():
    """RTSPS's own port (FFmpeg's, MediaMTX's) where the URL names none; the relay, which is
    given the scheme, host and port only, knew no default port for rtsps:// (KeyError)."""
    from livecut.rtmprelay import split_url

    assert split_url(f"rtsps://pub:{SECRET}@cam.example/live?x=1") == (
        "rtsps", f"pub:{SECRET}", "cam.example", 322, "/live?x=1")


def test_an_rtsps_output_to_a_server_without_tls_says_so(clip, tmp_path):
    """rtsps:// typed for a plain RTSP server: it said the relay's 'TLS: WRONG_VERSION_NUMBER';
    it says what a TLS input says (see test_tls_input.py)."""
    require_gst()
    with RtspServer(record=tmp_path / "got.h264") as srv:
        url = srv.url.replace("rtsp://", f"rtsps://pub:{SECRET}@")
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(clip), "-o", url],
                           capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == 1, r.stderr
    assert _error_line(r.stderr) == (f"livecut: error: rtsps://***@127.0.0.1:{srv.port}/test: cannot start the "
                                     "stream: the server does not answer in TLS (is it an rtsp:// address?)")


class _PlainRtspServer:
    """A plain RTSP server on 127.0.0.1 that answers an OPTIONS (200 OK) and, to a TLS ClientHello
    (its first byte 0x16), ``"reset"``s the connection, or ``"hang"``s: it waits for a request's
    blank line, which a ClientHello never holds (as many RTSP servers read one); ``"one"``: as
    ``ffmpeg -rtsp_flags listen``, it serves one connection (resetting the ClientHello) and
    listens no more."""

    def __init__(self, mode: str):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._done = threading.Event()

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()

    def _accept(self) -> None:
        while not self._done.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.mode == "one":
                self.sock.close()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            got = conn.recv(1)
            if got == b"\x16" and self.mode in ("reset", "one"):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
                return
            while got and b"\r\n\r\n" not in got:
                more = conn.recv(4096)
                if not more:
                    return
                got += more
            cseq = [ln for ln in got.split(b"\r\n") if ln.lower().startswith(b"cseq:")][:1]
            conn.sendall(b"RTSP/1.0 200 OK\r\n" + b"".join(c + b"\r\n" for c in cseq)
                         + b"Public: OPTIONS, DESCRIBE, ANNOUNCE, SETUP, RECORD, PLAY, TEARDOWN\r\n\r\n")
            self._done.wait(30)
        except OSError:
            pass


_PLAIN = "the server does not answer in TLS (is it an rtsp:// address?)"


@pytest.mark.parametrize("mode, said", [
    ("reset", _PLAIN),
    ("hang", _PLAIN),
    ("one", "the server reset the connection without answering the TLS handshake (a plain RTSP server does "
            "so: is it an rtsp:// address?)"),
], ids=["reset", "hang", "one-connection"])
@pytest.mark.parametrize("way", ["output", "input"])
def test_rtsps_to_a_plain_rtsp_server_that_resets_or_leaves_the_tls_handshake_is_said_to_be_one(
        clip, tmp_path, mode, said, way):
    """rtsps:// typed for a plain RTSP server that resets the TLS ClientHello, or waits on it for
    a request's end: `-o rtsps://...` said "no answer within 3 s" where it waited (an output to one
    that resets said it already), `livecut run rtsps://...` "cannot open the stream: Connection
    reset by peer" or "no answer within 3 s".  Asked an OPTIONS, the server answers at once in
    plain RTSP: it is said not to answer in TLS, as rtmps:// says it of a plain RTMP server; one
    that served its one connection is said to have cut the handshake off."""
    with _PlainRtspServer(mode) as srv:
        url = f"rtsps://pub:{SECRET}@127.0.0.1:{srv.port}/live"
        args = (["file", str(clip), "-o", url] if way == "output"
                else ["run", url, "-o", str(tmp_path / "out.mp4")])
        r = subprocess.run([sys.executable, "-m", "livecut", *args, "--set", "video.open_timeout=3"],
                           capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == (1 if way == "output" else 2), r.stderr
    start = "cannot start the stream: " if way == "output" else ""
    assert _error_line(r.stderr) == f"livecut: error: rtsps://***@127.0.0.1:{srv.port}/live: {start}{said}"
    assert SECRET not in r.stderr


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_an_rtsp_output_to_an_rtsps_server_says_it_answers_in_tls(clip, cert, tmp_path, transport):
    """rtsp:// typed for an RTSPS server: it said 'the server reset the connection' (over UDP,
    FFmpeg's 'Invalid data found when processing input'); it says what an input says."""
    require_gst_tls()
    with RtspServer(tls=cert, record=tmp_path / "got.h264") as srv:
        url = srv.url.replace("rtsps://", f"rtsp://pub:{SECRET}@")
        r = subprocess.run([sys.executable, "-m", "livecut", "file", str(clip), "-o", url,
                            "--set", f"video.rtsp_transport={transport}"],
                           capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == 1, r.stderr
    assert _error_line(r.stderr) == (f"livecut: error: rtsp://***@127.0.0.1:{srv.port}/test: cannot start the "
                                     "stream: the server answers in TLS (is it an rtsps:// address?)")
