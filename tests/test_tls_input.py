"""https://, rtsps:// and rtmps:// inputs: FFmpeg's TLS checks the server's certificate
(video.tls_verify), against Python's CA file (SSL_CERT_FILE can name one): servers on 127.0.0.1
with a self-signed certificate made here (rtsps://: GStreamer's RTSP server, see
rtsp_helpers.require_gst_tls).  Each test takes a few seconds.  (An rtmps:// server whose certificate
is trusted is read in test_rtmp.py's test_an_rtmp_stream_is_read_from_the_cli.)"""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import ssl
import subprocess
import sys
import threading

import pytest

from conftest import make_clip
from livecut.config import VideoConfig
from livecut.sources import stream as stream_mod
from livecut.sources.stream import StreamSource, tls_options
from rtsp_helpers import RtspServer, env_with_repo, ffprobe_count, require_ffmpeg, require_gst_tls
from test_rtmp import KEY

OPT_OUT = "--set video.tls_verify=false"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (and no other name): (cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=30)
    return crt, key


@pytest.fixture(scope="module")
def https_server(cert, tmp_path_factory):
    """An HTTPS server on 127.0.0.1 serving clip.mp4 with the self-signed certificate: its port."""
    root = tmp_path_factory.mktemp("www")
    make_clip(root / "clip.mp4", w=160, h=120, n=25, fps=25)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*cert)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], root
    httpd.shutdown()
    httpd.server_close()


def _env(trust=None) -> dict:
    env = env_with_repo()
    env.pop("SSL_CERT_FILE", None)
    if trust is not None:
        env["SSL_CERT_FILE"] = str(trust)
    return env


def _run(url: str, out, *settings: str, env: dict) -> subprocess.CompletedProcess:
    sets = [a for s in settings for a in ("--set", s)]
    return subprocess.run([sys.executable, "-m", "livecut", "run", url, "-o", str(out), "-f", "--frames", "5",
                           "--set", "video.open_timeout=10", "--set", "video.reconnect=false", *sets],
                          capture_output=True, text=True, timeout=60, env=env)


def _error_line(err: str) -> str:
    assert "Traceback" not in err, err
    errors = [ln for ln in err.splitlines() if ln.startswith("livecut: error:")]
    assert len(errors) == 1, err
    return errors[0]


def test_a_self_signed_https_server_is_refused_by_default_naming_the_opt_out(https_server, tmp_path):
    port, _ = https_server
    r = _run(f"https://user:pw123@127.0.0.1:{port}/clip.mp4?token=s3cr3t", tmp_path / "o.mp4", env=_env())
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert "certificate is not trusted (self-signed certificate)" in line and OPT_OUT in line
    assert f"https://***@127.0.0.1:{port}/clip.mp4?token=***" in line
    assert "pw123" not in r.stderr and "s3cr3t" not in r.stderr
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("verify", ["true", "false"])
def test_https_to_a_plain_http_server_says_it_does_not_answer_in_tls(tmp_path, verify):
    """https:// typed for an http:// camera: the error was FFmpeg's bare "Input/output error"."""
    make_clip(tmp_path / "clip.mp4", w=160, h=120, n=5, fps=25)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        r = _run(f"https://user:pw123@127.0.0.1:{httpd.server_address[1]}/clip.mp4", tmp_path / "o.mp4",
                 f"video.tls_verify={verify}", env=_env())
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert "does not answer in TLS (is it an http:// address?)" in line, line
    assert "pw123" not in r.stderr


def test_a_self_signed_https_server_is_read_with_tls_verify_off(https_server, tmp_path):
    port, _ = https_server
    r = _run(f"https://127.0.0.1:{port}/clip.mp4", tmp_path / "o.mp4", "video.tls_verify=false", env=_env())
    assert r.returncode == 0, r.stderr
    assert "5 frames" in r.stderr and "certificate" not in r.stderr


def test_a_file_sent_chunked_over_https_ends_at_its_end_not_taken_as_cut_short(cert, tmp_path):
    """A whole file sent without its size (chunked) over https://: its last chunk is said by
    FFmpeg's "https" protocol, not "http", and went unseen: it was taken for cut short, asked
    for 3 times and given up, exit 3 ("cut short at the same point, 9.96 s in"), every frame
    written all the same.  It ends at its end: exit 0, one request."""
    require_ffmpeg()
    from test_network import _chunked

    data = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "10",
                           "-g", "25", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mpegts", "-"],
                          check=True, timeout=60, capture_output=True).stdout
    handler = _chunked(data)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*cert)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    out = tmp_path / "o.mkv"
    try:
        r = subprocess.run([sys.executable, "-m", "livecut", "run", f"https://127.0.0.1:{httpd.server_address[1]}/c.ts",
                            "-o", str(out), "--set", "video.open_timeout=10", "--set", "video.tls_verify=false"],
                           capture_output=True, text=True, timeout=120, env=_env())
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert r.returncode == 0 and "cut short" not in r.stderr, r.stderr
    assert handler.answers == 1 and int(ffprobe_count([str(out)])["nb_read_frames"]) == 250, (handler.answers, r.stderr)


def test_an_https_server_whose_certificate_is_trusted_is_read(https_server, cert, tmp_path):
    """SSL_CERT_FILE names the certificate: read; the same server by another name (the
    certificate is for 127.0.0.1 only): refused, the host name checked too."""
    port, _ = https_server
    r = _run(f"https://127.0.0.1:{port}/clip.mp4", tmp_path / "o.mp4", env=_env(cert[0]))
    assert r.returncode == 0, r.stderr
    assert "5 frames" in r.stderr and "certificate" not in r.stderr
    r = _run(f"https://localhost:{port}/clip.mp4", tmp_path / "o2.mp4", env=_env(cert[0]))
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert "certificate is not trusted (Hostname mismatch" in line and OPT_OUT in line


@pytest.mark.parametrize("checked", [True, False])
def test_a_web_page_over_https_is_said_to_be_one(https_server, cert, tmp_path, checked):
    """An https:// camera's admin page (its address without the stream's path): "cannot open the
    stream: Invalid data found when processing input".  Said to be a web page, its certificate
    checked as FFmpeg checked it (or not, with tls_verify off)."""
    port, root = https_server
    (root / "admin.html").write_text("<!DOCTYPE html><html><body><form>login</form></body></html>\n" * 50)
    sets = () if checked else ("video.tls_verify=false",)
    r = _run(f"https://user:pw123@127.0.0.1:{port}/admin.html?token=s3cr3t", tmp_path / "o.mp4", *sets,
             env=_env(cert[0] if checked else None))
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert "a web page (text/html), not a video" in line, line
    assert "pw123" not in r.stderr and "s3cr3t" not in r.stderr


def test_hls_over_https_says_its_segments_are_not_checked(https_server, cert, monkeypatch):
    """FFmpeg's HLS demuxer opens segments without the TLS options: said in one warning."""
    require_ffmpeg()
    port, root = https_server
    (root / "hls").mkdir(exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(root / "clip.mp4"), "-c", "copy", "-f", "hls",
                    "-hls_time", "1", "-hls_playlist_type", "vod", str(root / "hls" / "index.m3u8")],
                   check=True, timeout=30)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    with StreamSource(f"https://127.0.0.1:{port}/hls/index.m3u8", VideoConfig(reconnect=False)) as src:
        assert src.read() is not None
    assert [w for w in src.warnings if "certificate" in w] == [
        f"https://127.0.0.1:{port}/hls/index.m3u8: only the playlist's certificate was checked: "
        "FFmpeg reads HLS segments without checking theirs"]


def test_without_a_ca_file_tls_inputs_are_read_unchecked_with_one_warning(monkeypatch):
    paths = ssl.get_default_verify_paths()
    monkeypatch.setattr(stream_mod.ssl, "get_default_verify_paths", lambda: paths._replace(cafile=None))
    src = StreamSource("rtmps://127.0.0.1:1/live/" + KEY, VideoConfig())
    assert src._tls == {}
    assert src.warnings == ["rtmps://127.0.0.1:1/live/***: the server's certificate is not checked: "
                            "no CA certificates found (SSL_CERT_FILE can name a file of them)"]


def test_tls_options_only_for_tls_inputs_and_only_when_asked(monkeypatch, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    for url in ("https://h/x", "rtsps://h/x", "rtmps://h/app/k"):
        assert tls_options(url, True) == ({"tls_verify": "1", "ca_file": str(ca)}, None)
        assert tls_options(url, False) == ({}, None)
    for url in ("http://h/x", "rtsp://h/x", "rtmp://h/app/k", "udp://127.0.0.1:5000", "srt://h:1"):
        assert tls_options(url, True) == ({}, None)


class _TlsRefuser:
    """A TLS server on 127.0.0.1 (the self-signed certificate) that takes every connection's
    handshake and closes it: FFmpeg refuses its certificate, livecut's check too."""

    def __init__(self, cert):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(*cert)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(5)
                self.ctx.wrap_socket(conn, server_side=True).close()
            except OSError:
                conn.close()

    def close(self):
        self.sock.close()


def test_a_self_signed_rtmps_server_is_refused_by_default(cert, tmp_path):
    srv = _TlsRefuser(cert)
    try:
        r = _run(f"rtmps://127.0.0.1:{srv.port}/live/{KEY}", tmp_path / "o.mp4", env=_env())
    finally:
        srv.close()
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert line == (f"livecut: error: rtmps://127.0.0.1:{srv.port}/live/***: the server's certificate is not "
                    f"trusted (self-signed certificate) (a camera with a self-signed certificate: {OPT_OUT})")
    assert KEY not in r.stderr



# ---------------------------------------------------------------- rtsps:// (RTSP over TLS)

@pytest.fixture(scope="module")
def rtsps_server(cert):
    """GStreamer's RTSP server on 127.0.0.1 speaking only TLS, with the self-signed certificate."""
    require_gst_tls()
    # (the module's tests that use it span minutes on a loaded machine: a server ending itself
    # after the default 90 s was gone for the last of them, 'Connection refused'; it is killed
    # when the module ends, the lifetime only bounds an orphan's)
    with RtspServer(tls=cert, size="160x120", fps=25, lifetime=1800.0) as srv:
        yield srv


def test_a_self_signed_rtsps_server_is_read_end_to_end_with_tls_verify_off(rtsps_server, tmp_path):
    out = tmp_path / "o.mp4"
    r = _run(rtsps_server.url, out, "video.tls_verify=false", env=_env())
    assert r.returncode == 0, r.stderr
    assert "5 frames" in r.stderr and "certificate" not in r.stderr
    probe = ffprobe_count([str(out)])
    assert (probe["codec_name"], probe["width"], probe["height"], probe["nb_read_frames"]) == ("h264", 160, 120, "5")


def test_a_self_signed_rtsps_server_is_refused_by_default_naming_the_opt_out(rtsps_server, tmp_path):
    """The command as typed (reconnection on, the default timeouts): refused at once, not retried."""
    url = rtsps_server.url.replace("rtsps://", "rtsps://user:pw123@")
    r = subprocess.run([sys.executable, "-m", "livecut", "run", url, "-o", str(tmp_path / "o.mp4"), "--frames", "5"],
                       capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert line == (f"livecut: error: rtsps://***@127.0.0.1:{rtsps_server.port}/test: the server's certificate is "
                    f"not trusted (self-signed certificate) (a camera with a self-signed certificate: {OPT_OUT})")
    assert "pw123" not in r.stderr
    assert not (tmp_path / "o.mp4").exists()


def test_an_rtsps_server_whose_certificate_is_trusted_is_read(rtsps_server, cert, tmp_path):
    """SSL_CERT_FILE names the certificate: read; by another name (the certificate is for
    127.0.0.1 only): refused, the host name checked too."""
    r = _run(rtsps_server.url, tmp_path / "o.mp4", env=_env(cert[0]))
    assert r.returncode == 0, r.stderr
    assert "5 frames" in r.stderr and "certificate" not in r.stderr
    r = _run(rtsps_server.url.replace("127.0.0.1", "localhost"), tmp_path / "o2.mp4", env=_env(cert[0]))
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert "certificate is not trusted (Hostname mismatch" in line and OPT_OUT in line


@pytest.mark.parametrize("scheme", ["rtsp", "http", "rtmp"])
def test_a_plain_url_to_a_tls_server_says_it_answers_in_tls(scheme, rtsps_server, https_server, cert, tmp_path):
    """rtsp:// typed for an rtsps:// camera (http:// for https://, rtmp:// for rtmps://): the
    error was FFmpeg's "Invalid data found when processing input" ("Connection reset by peer")."""
    refuser = _TlsRefuser(cert) if scheme == "rtmp" else None
    try:
        url = {"rtsp": rtsps_server.url.replace("rtsps://", "rtsp://user:pw123@"),
               "http": f"http://user:pw123@127.0.0.1:{https_server[0]}/clip.mp4",
               "rtmp": f"rtmp://127.0.0.1:{refuser.port if refuser else 0}/live/{KEY}"}[scheme]
        r = subprocess.run([sys.executable, "-m", "livecut", "run", url, "-o", str(tmp_path / "o.mp4"),
                            "--frames", "5"], capture_output=True, text=True, timeout=60, env=_env())
    finally:
        if refuser:
            refuser.close()
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert line.endswith(f": the server answers in TLS (is it an {scheme}s:// address?)"), line
    assert "pw123" not in r.stderr and KEY not in r.stderr


def test_an_ssl_cert_file_that_is_not_there_is_refused_not_read_unchecked(monkeypatch, tmp_path):
    """SSL_CERT_FILE naming a file that is not there (a typo, cam.pem in another folder) left
    Python without a CA file: the stream was read without its certificate checked, a warning
    among the run's; it is refused, exit 2, naming the variable (with tls_verify=false, or for a
    stream without TLS, it is not looked at)."""
    from livecut.errors import UsageError

    missing = tmp_path / "cam.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    for url in ("https://h/x", "rtsps://h/x", "rtmps://h/app/k"):
        with pytest.raises(UsageError, match=rf"^SSL_CERT_FILE={missing}: no such file"):
            tls_options(url, True)
        assert tls_options(url, False) == ({}, None)
    assert tls_options("http://h/x", True) == ({}, None)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path))  # (a folder: SSL_CERT_DIR's kind)
    with pytest.raises(UsageError, match=rf"^SSL_CERT_FILE={tmp_path}: .*a folder"):
        tls_options("https://h/x", True)
    with socket.socket() as s:  # (a port nobody listens on: refused before any connection)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = _run(f"https://127.0.0.1:{port}/clip.mp4", tmp_path / "o.mp4", env=_env(missing))
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert line.startswith(f"livecut: error: SSL_CERT_FILE={missing}: no such file"), line
