"""`livecut image URL`: a picture's http(s):// address (a camera's snapshot.jpg) is fetched and
cut, against real HTTP servers on 127.0.0.1 (http.server in a thread): its output named from the
URL's path, its login given, no secret of it in any message, and each way it gives no picture
(an HTTP error, a web page, no answer in time, too large, nothing listening) one line, exit 2."""

from __future__ import annotations

import base64
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from livecut import fetch
from livecut.cli import app
from livecut.config import load_config
from livecut.errors import FetchError
from livecut.fetch import fetch_picture, picture_name
from livecut.images import process_images
from synth import make_scene

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _jpeg(w: int = 160, h: int = 120) -> bytes:
    img, _ = make_scene("basic", w=w, h=h, seed=3)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


class _Handler(BaseHTTPRequestHandler):
    pages: dict = {}
    seen: list = []

    def log_message(self, *args) -> None:  # (quiet)
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.seen.append((self.path, self.headers.get("Authorization")))
        status, kind, body, login = self.pages.get(path, (404, "text/html", b"<html>not here</html>", None))
        if login and self.headers.get("Authorization") != "Basic " + base64.b64encode(login.encode()).decode():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="cam"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if not path.endswith("-stream.jpg"):  # (those say no length: read to the end of the connection)
            self.send_header("Content-Length", str(len(body)))
        else:
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """The servers here are on 127.0.0.1: not through a proxy the environment names."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    """(base URL, pages, requests seen): pages maps a path to (status, type, body, login)."""
    handler = type("H", (_Handler,), {"pages": {}, "seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.pages, handler.seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def silent_port():
    """A port on 127.0.0.1 that takes connections and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_a_pictures_url_is_fetched_and_cut(server, tmp_path):
    """`livecut image https://host/photo.jpg -o cut/` was refused, 'is a URL; `livecut image` reads
    local image files (use `livecut run` for streams)', where run writes no photo's cut. The
    picture is fetched (its login given to the server, which asks for it), cut into cut/<the
    name in the URL's path>.png, and said by its URL without the password or the token."""
    base, pages, seen = server
    pages["/cam/snap%201.jpg"] = (200, "image/jpeg", _jpeg(), "admin:s3cretPW")
    url = base.replace("http://", "http://admin:s3cretPW@") + "/cam/snap%201.jpg?token=T0kenXYZ"
    r = invoke("image", url, "-o", f"{tmp_path / 'cut'}/")
    assert r.exit_code == 0, r.output
    out = tmp_path / "cut" / "snap 1.png"
    assert cv2.imread(str(out), cv2.IMREAD_UNCHANGED).shape == (120, 160, 4)
    assert "s3cretPW" not in r.output and "T0kenXYZ" not in r.output, r.output
    assert "1 written" in r.output, r.output
    assert any(auth for _, auth in seen)  # (the login went as the server asked for it)
    # one picture into one file; the same URL given twice is fetched and cut once
    r = invoke("image", url, url, "-o", tmp_path / "one.jpg", "--mode", "mask")
    assert r.exit_code == 0, r.output
    assert cv2.imread(str(tmp_path / "one.jpg"), cv2.IMREAD_UNCHANGED).shape == (120, 160)
    assert "given twice" in r.output and "s3cretPW" not in r.output and "livecut-fetched" not in r.output, r.output


def test_a_url_that_gives_no_picture_is_said_in_one_line_and_the_others_cut(server, silent_port, tmp_path,
                                                                            monkeypatch):
    """Each way an address gives no picture is one line naming it (redacted), exit 2, and the
    other photos are cut: an HTTP error, a web page (a login page, a gallery's), a video, no
    answer in time, more than the cap, nothing listening; a stream's scheme is refused as before."""
    base, pages, _ = server
    pages["/page.jpg"] = (200, "text/html; charset=utf-8", b"<!doctype html><html>log in</html>", None)
    pages["/big.jpg"] = (200, "image/jpeg", _jpeg(640, 480), None)
    pages["/big-stream.jpg"] = (200, "image/jpeg", _jpeg(640, 480), None)
    pages["/ok.jpg"] = (200, "image/jpeg", _jpeg(), None)
    monkeypatch.setattr(fetch, "FETCH_TIMEOUT", 0.5)
    monkeypatch.setattr(fetch, "MAX_PICTURE_BYTES", 20000)
    secret = "?key=Hush3d"
    photo = tmp_path / "local.png"
    cv2.imwrite(str(photo), make_scene("basic", w=160, h=120, seed=1)[0])
    r = invoke("image", f"{base}/gone.jpg{secret}", f"{base}/page.jpg{secret}", f"{base}/big.jpg{secret}",
               f"{base}/big-stream.jpg",
               f"http://127.0.0.1:{silent_port}/snapshot.jpg{secret}", f"http://127.0.0.1:{_closed_port()}/a.jpg",
               f"{base}/ok.jpg", photo, "-o", f"{tmp_path / 'cut'}/")
    assert r.exit_code == 2, r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("livecut: error: ")]
    assert len(errors) == 6, r.stderr
    assert "Hush3d" not in r.output and "livecut-fetched" not in r.stderr, r.output
    assert errors[0] == f"livecut: error: {base}/gone.jpg?key=***: the server answered HTTP 404 Not Found", errors
    assert "sent a web page (text/html), not a picture" in errors[1], errors
    assert "the server sends " in errors[2] and "over the 20000 bytes livecut fetches" in errors[2], errors
    assert errors[3].endswith("big-stream.jpg: over the 20000 bytes livecut fetches: download it and give the file")
    assert errors[4].endswith("snapshot.jpg?key=***: no answer within 0.5 s"), errors
    assert "cannot fetch: Connection refused" in errors[5], errors
    assert sorted(p.name for p in (tmp_path / "cut").iterdir()) == ["local.png", "ok.png"]
    r = invoke("image", "rtsp://u:Hush3d@127.0.0.1/live", "-o", tmp_path / "cut2")
    assert r.exit_code == 2 and "is a URL; " in r.stderr and "Hush3d" not in r.output, r.output


def test_the_library_fetches_a_url_and_says_what_failed_in_typed_errors(server, tmp_path):
    """process_images takes a picture's URL as the command does; fetch_picture raises a
    FetchError (a UsageError: exit 2), its URL redacted."""
    base, pages, _ = server
    pages["/p.jpg"] = (200, "image/jpeg", _jpeg(), None)
    report = process_images([f"{base}/p.jpg", f"{base}/x.jpg?token=Sekr1t"], tmp_path / "cut", load_config())
    assert report.written == 1 and [p.name for p in report.outputs] == ["p.png"], report
    assert report.errors == [f"{base}/x.jpg?token=***: the server answered HTTP 404 Not Found"], report.errors
    assert report.exit_code == 2
    with pytest.raises(FetchError, match=r"token=\*\*\*: the server answered HTTP 404") as exc:
        fetch_picture(f"{base}/x.jpg?token=Sekr1t", tmp_path)
    assert exc.value.exit_code == 2 and "Sekr1t" not in str(exc.value)
    assert picture_name("http://cam/") == "cam" and picture_name("http://h/a/b%2Fc.jpg?x=1") == "b_c.jpg"
    assert np.array_equal(cv2.imread(str(fetch_picture(f"{base}/p.jpg", tmp_path))),
                          cv2.imdecode(np.frombuffer(_jpeg(), np.uint8), cv2.IMREAD_COLOR))
    assert [p.name for p in Path(tmp_path).glob("*.jpg")] == ["p.jpg"]


def test_fetch_pictures_own_values_are_refused_in_typed_errors_before_anything_is_asked(server, tmp_path):
    """fetch_picture(url, folder, limit='60') or max_bytes=1e6 was a bare TypeError once the
    picture came; timeout=-1 a FetchError from the server's address, 'cannot fetch: Timeout value
    out of range', and limit=-1 'not fetched within -1 s'.  A type it cannot take is a
    ConfigTypeError, a value a ConfigError, each naming the argument, before the server is asked."""
    from livecut.errors import ConfigError, ConfigTypeError

    base, pages, asked = server
    pages["/p.jpg"] = (200, "image/jpeg", _jpeg(), None)
    for name, value, error in (("limit", "60", ConfigTypeError), ("max_bytes", 1e6, ConfigTypeError),
                               ("timeout", True, ConfigTypeError), ("timeout", -1, ConfigError),
                               ("limit", -1, ConfigError), ("limit", float("nan"), ConfigError),
                               ("max_bytes", 0, ConfigError)):
        with pytest.raises(error) as exc:
            fetch_picture(f"{base}/p.jpg", tmp_path, **{name: value})
        what = "a whole number of bytes" if name == "max_bytes" else "a number of seconds"
        assert str(exc.value) == f"fetch_picture: {name} {value!r}: expected {what} above 0, or None"
    assert not list(tmp_path.iterdir()) and not asked  # (refused before the server was asked)
    assert fetch_picture(f"{base}/p.jpg", tmp_path, timeout=5, limit=60.5, max_bytes=10**6).name == "p.jpg"
    assert asked


def test_a_fetch_into_a_folder_it_cannot_write_says_the_folder_not_the_server(server, tmp_path):
    """fetch_picture(url, folder) into a folder that is not there, or is a file, said it as the
    server's failure, 'cannot fetch: No such file or directory' ('Not a directory'): the
    picture had come.  It says the folder."""
    base, pages, _ = server
    pages["/p.jpg"] = (200, "image/jpeg", _jpeg(), None)
    (tmp_path / "file").write_bytes(b"x")
    for folder, why in ((tmp_path / "none", "No such file or directory"), (tmp_path / "file", "Not a directory")):
        with pytest.raises(FetchError) as exc:
            fetch_picture(f"{base}/p.jpg?token=Sekr1t", folder)
        assert str(exc.value) == f"{base}/p.jpg?token=***: cannot write the picture into {folder}: {why}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_fetch_into_a_folder_of_another_type_is_a_typed_error(server, tmp_path):
    """fetch_picture(url, None) -- or a number, bytes -- was a bare TypeError from pathlib,
    'expected str, bytes or os.PathLike object, not NoneType', naming neither the function nor
    the argument; it is a ConfigTypeError that does, before the server is asked."""
    from livecut.errors import ConfigTypeError

    base, pages, asked = server
    pages["/p.jpg"] = (200, "image/jpeg", _jpeg(), None)
    for folder in (None, 5, str(tmp_path).encode()):
        with pytest.raises(ConfigTypeError) as exc:
            fetch_picture(f"{base}/p.jpg", folder)
        assert str(exc.value) == ("fetch_picture: folder must be a str or a pathlib.Path, got "
                                  f"{type(folder).__name__}")
    assert not asked


def test_ctrl_c_while_a_picture_downloads_says_the_counts(server, tmp_path):
    """Ctrl-C while a picture was coming (a camera that stalls) said 'livecut: error:
    interrupted' alone, exit 130, where a Ctrl-C between pictures says what was written, what
    failed and what was not cut; it says so here too, the address that failed before said, and
    no fetched file left behind."""
    import os
    import signal
    import subprocess
    import sys
    import tempfile

    from conftest import REPO

    base, pages, _ = server
    pages["/ok.jpg"] = (200, "image/jpeg", _jpeg(), None)
    asked = threading.Event()
    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen(4)

    def stall() -> None:  # (the headers and a first piece of the picture, then nothing)
        conn, _ = stalled.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n"
                     + _jpeg()[:1000])
        asked.set()
        threading.Event().wait(60)
        conn.close()

    threading.Thread(target=stall, daemon=True).start()
    photo = tmp_path / "local.png"
    cv2.imwrite(str(photo), make_scene("basic", w=160, h=120, seed=1)[0])
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""), TMPDIR=str(temp))
    out = f"{tmp_path / 'cut'}/"
    p = subprocess.Popen([sys.executable, "-m", "livecut", "image", f"{base}/gone.jpg", f"{base}/ok.jpg",
                          f"http://127.0.0.1:{stalled.getsockname()[1]}/snap.jpg?key=Hush3d", str(photo),
                          "-o", out], stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert asked.wait(60), "livecut never asked for the stalled picture"
        threading.Event().wait(0.5)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        p.kill()
        stalled.close()
    assert p.returncode == 130, err
    lines = err.strip().splitlines()
    assert lines[-2:] == [f"livecut: error: {base}/gone.jpg: the server answered HTTP 404 Not Found",
                          f"livecut: error: interrupted: 0 written to {out}, 1 failed, 3 not cut (run it again "
                          "with --skip-existing to go on)"], err
    assert "Hush3d" not in err and not list(temp.iterdir()), (err, list(temp.iterdir()))
    assert not (tmp_path / "cut").exists()


def _redirect(to: str):
    """A page of _Handler's pages that redirects to ``to`` (HTTP 302)."""
    return (302, "text/html", to, None)


class _Redirecting(_Handler):
    """_Handler, whose pages of status 30x redirect to their body (a str)."""

    def do_GET(self) -> None:
        status, _, to, _ = self.pages.get(self.path.split("?")[0], (0, None, None, None))
        if 300 <= status < 400:
            self.seen.append((self.path, self.headers.get("Authorization")))
            self.send_response(status)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def redirecting():
    """server, of _Redirecting pages: (base URL, pages, requests seen)."""
    handler = type("R", (_Redirecting,), {"pages": {}, "seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.pages, handler.seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_redirect_to_another_scheme_is_refused_in_one_line(redirecting, tmp_path):
    """A redirect to ftp:// was followed (urllib follows http -> ftp: a picture from wherever an
    FTP server the page named, or 'cannot fetch: Connection refused'), and one to file:// was
    'the server answered HTTP 302 Found - Redirection to url 'file:///...' is not allowed', the
    target -- its token -- said; each is refused in one line naming its scheme alone."""
    base, pages, _ = redirecting
    ftp = socket.socket()  # (an FTP server's port: no connection may come to it)
    ftp.bind(("127.0.0.1", 0))
    ftp.listen(1)
    ftp.settimeout(0.5)
    pages["/ftp.jpg"] = _redirect(f"FTP://127.0.0.1:{ftp.getsockname()[1]}/pic.jpg?token=Hush3d")
    pages["/file.jpg"] = _redirect("file:///etc/hostname?token=Hush3d")
    try:
        for name, scheme in (("ftp.jpg", "ftp"), ("file.jpg", "file")):
            with pytest.raises(FetchError) as exc:
                fetch_picture(f"{base}/{name}", tmp_path)
            assert str(exc.value) == (f"{base}/{name}: the server redirects it (HTTP 302 Found) to an address of "
                                      f"another scheme ({scheme}:), which livecut does not fetch: http:// and "
                                      "https:// only"), exc.value
        with pytest.raises(socket.timeout):
            ftp.accept()
    finally:
        ftp.close()
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_loop_is_one_line(redirecting, tmp_path):
    """A server that redirects an address to itself said 'the server answered HTTP 302 The HTTP
    server returned a redirect error that would lead to an infinite loop.' and two more lines
    ('The last 30x error message was:', 'Found'); it is one line, as is a chain of over 10."""
    base, pages, _ = redirecting
    pages["/loop.jpg"] = _redirect("/loop.jpg?again=1")
    for i in range(12):
        pages[f"/r{i}.jpg"] = _redirect(f"{base}/r{i + 1}.jpg")
    with pytest.raises(FetchError) as exc:
        fetch_picture(f"{base}/loop.jpg", tmp_path)
    assert str(exc.value) == f"{base}/loop.jpg: the server redirects it round in a loop (HTTP 302 Found)"
    r = invoke("image", f"{base}/r0.jpg", "-o", tmp_path / "cut")
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: {base}/r0.jpg: the server redirects it over 10 times (HTTP 302 Found)\n"


def test_the_login_goes_to_its_own_server_after_a_redirect_and_to_no_other(redirecting, server, tmp_path):
    """A camera's snapshot.jpg redirected to /cgi-bin/snap.cgi on the same server, which asks for
    the login, was refused, '... (the login in the URL was refused)', the login not given there
    (urllib's password manager held it for the URL's path alone); it is given to the whole
    server the URL names, and to no other: not to another port of 127.0.0.1 a redirect names."""
    base, pages, seen = redirecting
    other, other_pages, other_seen = server
    pages["/snapshot.jpg"] = _redirect("/cgi-bin/snap.cgi?res=hi")
    pages["/cgi-bin/snap.cgi"] = (200, "image/jpeg", _jpeg(), "admin:s3cretPW")
    pages["/elsewhere.jpg"] = _redirect(f"{other}/snap.jpg")
    other_pages["/snap.jpg"] = (200, "image/jpeg", _jpeg(), "admin:s3cretPW")
    login = base.replace("http://", "http://admin:s3cretPW@")
    path = fetch_picture(f"{login}/snapshot.jpg", tmp_path)
    assert path == tmp_path / "snapshot.jpg" and cv2.imread(str(path)).shape == (120, 160, 3)
    assert [a is not None for _, a in seen] == [False, False, True], seen
    with pytest.raises(FetchError, match="HTTP 401"):
        fetch_picture(f"{login}/elsewhere.jpg", tmp_path)
    assert other_seen == [("/snap.jpg", None)], other_seen


def test_a_login_asked_for_by_another_server_after_a_redirect_is_said_so(redirecting, server, tmp_path):
    """An address whose server redirects to another one that asks for a login (which livecut
    gives to the server the URL names alone) said '... (the login in the URL was refused)',
    the login never sent, or without one in the URL '(it wants a login: give it in the URL, ...)',
    where that gives it to the first server alone; the other server is named, no login of it."""
    base, pages, _ = redirecting
    other, other_pages, _ = server
    pages["/elsewhere.jpg"] = _redirect(f"{other}/snap.jpg")
    other_pages["/snap.jpg"] = (200, "image/jpeg", _jpeg(), "admin:s3cretPW")
    said = (" the server answered HTTP 401 Unauthorized (it redirects to another server, "
            f"{other[len('http://'):]}, which wants a login: a login in the URL goes to the server it names "
            "alone; give that server's own address, with its login)")
    for url, shown in ((base.replace("http://", "http://admin:s3cretPW@") + "/elsewhere.jpg",
                        base.replace("http://", "http://***@") + "/elsewhere.jpg"),
                       (f"{base}/elsewhere.jpg", f"{base}/elsewhere.jpg")):
        with pytest.raises(FetchError) as exc:
            fetch_picture(url, tmp_path)
        assert str(exc.value) == f"{shown}:{said}", exc.value


def test_a_picture_that_trickles_in_is_stopped_at_the_time_limit(tmp_path):
    """A server that sends a byte at a time, each within the time to wait for a piece, kept
    livecut past the whole picture's time limit until 64 KiB had come (a read of 64 KiB waited
    for all of them: at a byte every 29 s, 22 days past the 5 minutes); it stops at the limit,
    having taken what came by then (here, of 600 bytes a byte every 20 ms, well under all 600)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def trickle() -> None:
        conn, _ = srv.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\n\r\n")
            try:
                for byte in _jpeg()[:600]:
                    conn.sendall(bytes([byte]))
                    threading.Event().wait(0.02)
            except OSError:  # (livecut gave up)
                pass

    threading.Thread(target=trickle, daemon=True).start()
    try:
        with pytest.raises(FetchError, match=r"not fetched within 0\.5 s \((\d+) bytes came\)") as exc:
            fetch_picture(f"http://127.0.0.1:{srv.getsockname()[1]}/slow.jpg", tmp_path, limit=0.5, timeout=5)
    finally:
        srv.close()
    came = int(str(exc.value).split("(")[1].split()[0])
    assert came < 600, exc.value
    assert list(tmp_path.iterdir()) == []


def test_a_picture_cut_short_by_a_closed_connection_is_said_so(tmp_path):
    """A server that closed the connection part way through the picture it said the length of
    was taken as having sent it all: fetch_picture returned half a JPEG, and `livecut image` said
    'image file is truncated', as of a damaged file; a chunked answer cut short said 'the
    connection failed (IncompleteRead: IncompleteRead(0 bytes read))'.  Each says the answer
    ended part way, and no file is left."""
    half = _jpeg()[:700]
    answers = [b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(_jpeg()) + half,
               b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"%x\r\n" % len(half) + half + b"\r\n"]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    def serve() -> None:
        for answer in answers:
            conn, _ = srv.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    base = f"http://127.0.0.1:{srv.getsockname()[1]}"
    try:
        with pytest.raises(FetchError) as exc:
            fetch_picture(f"{base}/snap.jpg", tmp_path)
        assert str(exc.value) == (f"{base}/snap.jpg: the server's answer ended at 700 bytes of the {len(_jpeg())} "
                                  "bytes it said (the connection closed): the picture did not all come; try again")
        with pytest.raises(FetchError) as exc:
            fetch_picture(f"{base}/snap.jpg", tmp_path)
        assert str(exc.value) == (f"{base}/snap.jpg: the server's answer ended part way (the connection closed): "
                                  "the picture did not all come; try again")
    finally:
        srv.close()
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_to_an_address_with_a_login_is_followed_without_it(redirecting, server, tmp_path):
    """A redirect to http://USER:PASS@host/... said 'cannot fetch: no such host (Name or service
    not known)': urllib took USER:PASS@host for the host's name and looked it up, the password
    with it; it is followed to the host, the login in it left out (the URL's own goes to its
    server alone)."""
    base, pages, _ = redirecting
    other, other_pages, other_seen = server
    pages["/cam.jpg"] = _redirect(other.replace("http://", "http://u:Hush3d@") + "/snap.jpg")
    other_pages["/snap.jpg"] = (200, "image/jpeg", _jpeg(), None)
    assert fetch_picture(f"{base}/cam.jpg", tmp_path) == tmp_path / "cam.jpg"
    assert other_seen == [("/snap.jpg", None)], other_seen


def test_a_fetch_stopped_by_ctrl_c_leaves_no_part_of_the_picture(tmp_path):
    """fetch_picture(url, folder) stopped by Ctrl-C as the picture came (a camera that stalls)
    left what had come in folder, at the picture's name (snap.jpg, 1000 bytes of a JPEG), where
    every other way it fails leaves nothing; the stop goes on, the part removed."""
    import signal

    sent = threading.Event()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def stall() -> None:
        conn, _ = srv.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n"
                         + _jpeg()[:1000])
            sent.set()
            threading.Event().wait(30)

    def ctrl_c() -> None:
        if sent.wait(30):
            threading.Event().wait(0.3)
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    threading.Thread(target=stall, daemon=True).start()
    threading.Thread(target=ctrl_c, daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            fetch_picture(f"http://127.0.0.1:{srv.getsockname()[1]}/snap.jpg", tmp_path, timeout=20)
    finally:
        srv.close()
    assert list(tmp_path.iterdir()) == []


def test_a_fetch_that_fails_leaves_a_file_of_the_pictures_name_in_the_folder_as_it_was(server, tmp_path):
    """fetch_picture(url, folder) that failed removed the file of the picture's name in folder,
    whatever it was: folder/photo.jpg, a photo of the user's, was gone after an HTTP 404 for
    .../photo.jpg (nothing fetched), and so after a web page or a stop part way; the picture
    comes under a temporary name, put at its own once whole and found a picture, and a fetch
    that fails leaves the folder as it was."""
    base, pages, _ = server
    pages["/page/photo.jpg"] = (200, "text/html", b"<!doctype html><html>log in</html>", None)
    pages["/ok/photo.jpg"] = (200, "image/jpeg", _jpeg(), None)
    mine = tmp_path / "photo.jpg"
    mine.write_bytes(b"the user's own photo")
    for url in (f"{base}/gone/photo.jpg", f"{base}/page/photo.jpg"):
        with pytest.raises(FetchError):
            fetch_picture(url, tmp_path)
        assert [p.name for p in tmp_path.iterdir()] == ["photo.jpg"] and mine.read_bytes() == b"the user's own photo"
    assert fetch_picture(f"{base}/ok/photo.jpg", tmp_path) == mine and mine.read_bytes() == _jpeg()
    assert [p.name for p in tmp_path.iterdir()] == ["photo.jpg"]


def test_a_url_naming_no_file_is_cut_under_its_whole_hosts_name(server, tmp_path):
    """A camera's address with no path, http://192.168.1.10/, was cut into 192.168.1.png, the
    host's last part taken for an extension (a second camera's, 192.168.1.11, 'already written
    for' the first's; cam.local's cam.png): the output is named from the whole host's name,
    its dots made _ (192_168_1_10.png)."""
    base, pages, _ = server
    pages["/"] = (200, "image/jpeg", _jpeg(), None)
    r = invoke("image", f"{base}/", "-o", f"{tmp_path / 'cut'}/")
    assert r.exit_code == 0, r.output
    assert [p.name for p in (tmp_path / "cut").iterdir()] == ["127_0_0_1.png"]
    assert picture_name("http://192.168.1.10/") == "192_168_1_10" != picture_name("http://192.168.1.11/?x=1")
    assert picture_name("http://cam.local:8080/") == "cam_local" and picture_name("http://cam/") == "cam"


def test_one_address_spelled_two_ways_is_fetched_and_cut_once(server, tmp_path):
    """The same picture's address given twice by two spellings (HTTP:// for http://, a #fragment,
    which is never sent) was fetched twice and the second refused, 'output cut/snap.png was
    already written for http://.../snap.jpg (same file name)', naming itself, exit 2: it is
    fetched once and said given twice, as one file given as a.jpg and ./a.jpg is."""
    base, pages, seen = server
    pages["/snap.jpg"] = (200, "image/jpeg", _jpeg(), None)
    url = f"{base}/snap.jpg"
    r = invoke("image", url, url.replace("http://", "HTTP://"), url + "#x", "-o", f"{tmp_path / 'cut'}/")
    assert r.exit_code == 0, r.output
    assert f"livecut: note: {url} given 3 times: done once" in r.stderr, r.stderr
    assert "error" not in r.stderr and len(seen) == 1, (r.stderr, seen)
    assert [p.name for p in (tmp_path / "cut").iterdir()] == ["snap.png"]
    assert fetch.same_address("HTTP://Cam:80/a.jpg?Q=1#x") == "http://cam/a.jpg?Q=1"
    assert fetch.same_address("https://u:P@cam:8443") == "https://u:P@cam:8443/"


def test_a_picture_whose_output_is_there_is_not_fetched_to_be_left_or_refused(server, tmp_path):
    """A run of cameras' URLs stopped part way and run again with --skip-existing fetched every
    picture again, the whole of each, to leave those cut before ('there already'); without it,
    one to be refused, 'exists': neither is fetched (the server asked for none), and each is
    said as before; one whose output is not there is fetched and cut, --force fetches them all."""
    base, pages, seen = server
    for name in ("a", "b", "c"):
        pages[f"/{name}/snap-{name}.jpg"] = (200, "image/jpeg", _jpeg(), None)
    urls = [f"{base}/{name}/snap-{name}.jpg" for name in ("a", "b", "c")]
    out = tmp_path / "cut"
    assert invoke("image", *urls[:2], "-o", f"{out}/").exit_code == 0
    seen.clear()
    r = invoke("image", *urls, "-o", f"{out}/", "--skip-existing")
    assert r.exit_code == 0 and "1 written to" in r.stderr and "2 there already" in r.stderr, r.output
    assert [path for path, _ in seen] == ["/c/snap-c.jpg"], seen
    seen.clear()
    r = invoke("image", urls[0], "-o", f"{out}/")
    assert r.exit_code == 2 and f"{urls[0]}: output {out}/snap-a.png exists (" in r.stderr and not seen, (r.output, seen)
    assert invoke("image", urls[0], "-o", out / "snap-a.png", "--skip-existing").exit_code == 0 and not seen
    r = invoke("image", *urls, "-o", f"{out}/", "--force")
    assert r.exit_code == 0 and "3 written to" in r.stderr and len(seen) == 3, (r.output, seen)


@pytest.mark.parametrize("kind", ["text/html", "text/plain; charset=utf-8"])
def test_a_picture_sent_as_text_is_cut_by_its_content(server, tmp_path, kind):
    """A camera's http://cam/cgi-bin/snapshot.cgi?chn=1 whose CGI sends its JPEG as text/html (a
    CGI's default) or text/plain was refused, 'the server sent a web page (text/html), not a
    picture', of a JPEG; a picture by its bytes is cut whatever its type says (as one sent as
    application/octet-stream is), into snapshot.png; a web page is still refused."""
    base, pages, _ = server
    pages["/cgi-bin/snapshot.cgi"] = (200, kind, _jpeg(), None)
    pages["/page.jpg"] = (200, kind, b"<html><body>login</body></html>", None)
    r = invoke("image", f"{base}/cgi-bin/snapshot.cgi?chn=1", f"{base}/page.jpg", "-o", f"{tmp_path / 'cut'}/")
    assert r.exit_code == 2 and "1 written to" in r.stderr, r.output
    assert f"{base}/page.jpg: the server sent " in r.stderr and "snapshot.cgi" not in r.stderr, r.stderr
    assert [p.name for p in (tmp_path / "cut").iterdir()] == ["snapshot.png"]


def test_two_urls_into_one_file_are_refused_before_either_is_fetched(server, tmp_path):
    """`livecut image URL1 URL2 -o one.png` fetched both pictures (up to 5 min each) before it
    refused them, '-o one.png names one file, but 2 images were given': it is refused before any
    is asked for, as two local photos are; a local photo and a URL alike. One address given twice
    (by two spellings too) is one picture, cut into the file, as before."""
    base, pages, seen = server
    for name in ("a", "b"):
        pages[f"/{name}.jpg"] = (200, "image/jpeg", _jpeg(), None)
    photo = tmp_path / "local.png"
    cv2.imwrite(str(photo), make_scene("basic", w=160, h=120, seed=1)[0])
    for inputs in ([f"{base}/a.jpg", f"{base}/b.jpg"], [photo, f"{base}/a.jpg"]):
        r = invoke("image", *inputs, "-o", tmp_path / "one.png")
        assert r.exit_code == 2, r.output
        assert f"-o {tmp_path / 'one.png'} names one file, but 2 images were given; give a folder" in r.stderr, r.stderr
        assert not seen and not (tmp_path / "one.png").exists(), seen
    r = invoke("image", f"{base}/a.jpg", f"{base}/a.jpg#x", "-o", tmp_path / "one.png")
    assert r.exit_code == 0 and len(seen) == 1 and (tmp_path / "one.png").is_file(), (r.output, seen)


def test_a_url_that_fails_given_twice_is_tried_once(server, silent_port, tmp_path, monkeypatch):
    """A picture's address that gave none (a dead camera: 30 s to wait) given twice was tried
    twice, its error said twice, '2 failed' (a slow, dead host cost twice its time): it is tried
    once, and said as a local file that fails given twice is, 'given twice: done once', its error
    once, 1 failed; by two spellings too; the others cut."""
    base, pages, seen = server
    pages["/ok.jpg"] = (200, "image/jpeg", _jpeg(), None)
    # (a dead camera's 2 s, waited once; the server's answers come well within it, on a loaded machine too)
    monkeypatch.setattr(fetch, "FETCH_TIMEOUT", 2.0)
    gone, dead = f"{base}/gone.jpg", f"http://127.0.0.1:{silent_port}/snap.jpg"
    r = invoke("image", gone, dead, f"{base}/ok.jpg", gone.replace("http://", "HTTP://"), dead, gone,
               "-o", f"{tmp_path / 'cut'}/")
    assert r.exit_code == 2 and "1 written to" in r.stderr and "2 failed" in r.stderr, r.output
    assert [path for path, _ in seen] == ["/gone.jpg", "/ok.jpg"], seen
    assert r.stderr.count(f"{gone}: the server answered HTTP 404") == 1, r.stderr
    assert r.stderr.count(f"{dead}: no answer within 2 s") == 1, r.stderr
    assert f"livecut: note: {gone} given 3 times; {dead} given twice: each done once" in r.stderr, r.stderr
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a picture")
    local = invoke("image", bad, bad, "-o", f"{tmp_path / 'cut2'}/")
    assert f"livecut: note: {bad} given twice: done once" in local.stderr and local.stderr.count("error") == 1


def test_an_address_that_is_not_valid_is_one_error_line(server, tmp_path):
    """`livecut image 'http://[x/a.jpg'` (a bracket left open, as an IPv6 host is written) said
    'internal error: ValueError: Invalid IPv6 URL', exit 1, the other pictures not cut: its output's
    name was looked for before it was fetched; it is one error line, 'not a valid address', exit 2,
    the others cut."""
    base, pages, _ = server
    pages["/ok.jpg"] = (200, "image/jpeg", _jpeg(), None)
    r = invoke("image", "http://[x/a.jpg", f"{base}/ok.jpg", "-o", f"{tmp_path / 'cut'}/")
    assert r.exit_code == 2 and "1 written to" in r.stderr, r.output
    assert "livecut: error: http://[x/a.jpg: not a valid address: Invalid IPv6 URL" in r.stderr, r.stderr
    assert [p.name for p in (tmp_path / "cut").iterdir()] == ["ok.png"]


def test_two_addresses_of_one_name_are_cut_under_names_that_tell_them_apart(server, redirecting, tmp_path):
    """A camera's two channels, http://cam/snap.jpg?chn=1 and ?chn=2, or two cameras on one host's
    ports, cam:8081/snap.jpg and cam:8082/snap.jpg, were both snap.png: the second refused, 'output
    cut/snap.png was already written for ...'. Each is cut under its name and what tells it apart
    from the others of that name (the query's pairs that differ, the port, the host, the folders),
    known before it is fetched (--skip-existing fetches none again); one alone keeps its own name,
    and no secret of an address is in a name (those that differ by one alone are numbered)."""
    base, pages, seen = server
    other, pages2, seen2 = redirecting
    pages["/snap.jpg"] = pages2["/snap.jpg"] = pages["/cam/pic.jpg"] = (200, "image/jpeg", _jpeg(), None)
    urls = [f"{base}/snap.jpg?chn=1&token=Hush3d", f"{base}/snap.jpg?chn=2&token=Hush3d", f"{other}/snap.jpg",
            f"{base}/cam/pic.jpg?user=a&token=Sekr1t", f"{base}/cam/pic.jpg?user=a&token=S3cond", f"{base}/x/one.jpg"]
    pages["/x/one.jpg"] = pages["/snap.jpg"]
    out = tmp_path / "cut"
    r = invoke("image", *urls, "-o", f"{out}/")
    assert r.exit_code == 0 and "6 written to" in r.stderr, r.output
    port, port2 = base.rsplit(":", 1)[1], other.rsplit(":", 1)[1]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"snap_{port}_chn=1.png", f"snap_{port}_chn=2.png", f"snap_{port2}.png", "pic_1.png", "pic_2.png", "one.png"])
    assert "Hush3d" not in r.output and "Sekr1t" not in r.output, r.output
    seen.clear()
    seen2.clear()
    r = invoke("image", *urls, "-o", f"{out}/", "--skip-existing")
    assert r.exit_code == 0 and "6 there already" in r.stderr and not seen and not seen2, (r.output, seen, seen2)
    names = fetch.picture_names(["http://cam/snap.jpg?chn=1", "http://cam/snap.jpg?chn=2", "http://cam:8081/a.jpg",
                                 "http://cam:8082/a.jpg", "http://cam1.local/b/x.jpg", "http://cam2.local/c/x.jpg",
                                 "http://cam/y.jpg", "HTTP://CAM/snap.jpg?chn=1#x"])
    assert names == {"http://cam/snap.jpg?chn=1": "snap_chn=1.jpg", "http://cam/snap.jpg?chn=2": "snap_chn=2.jpg",
                     "http://cam:8081/a.jpg": "a_8081.jpg", "http://cam:8082/a.jpg": "a_8082.jpg",
                     "http://cam1.local/b/x.jpg": "x_cam1_local_b.jpg",
                     "http://cam2.local/c/x.jpg": "x_cam2_local_c.jpg", "http://cam/y.jpg": "y.jpg"}, names
    assert fetch_picture(f"{base}/x/one.jpg", tmp_path, name="two.jpg") == tmp_path / "two.jpg"
    with pytest.raises(FetchError, match="not a file's name"):
        fetch_picture(f"{base}/x/one.jpg", tmp_path, name="../two.jpg")


def test_an_address_of_a_local_photo_s_name_is_cut_under_a_name_that_tells_it_apart(server, tmp_path):
    """`livecut image snap.jpg http://127.0.0.1:PORT/snap.jpg -o cut/`: the picture was fetched,
    then refused, 'output cut/snap.png was already written for snap.jpg (same file name)', exit 2.
    The local photo keeps its name, the address's is told apart by its host (its port too, or
    numbered, where that is a local photo's as well), before it is fetched (--skip-existing
    fetches it not again)."""
    base, pages, seen = server
    pages["/snap.jpg"] = (200, "image/jpeg", _jpeg(), None)
    (tmp_path / "snap.jpg").write_bytes(_jpeg())
    out = tmp_path / "cut"
    r = invoke("image", str(tmp_path / "snap.jpg"), f"{base}/snap.jpg", "-o", f"{out}/")
    assert r.exit_code == 0 and "2 written to" in r.stderr, r.output
    assert sorted(p.name for p in out.iterdir()) == ["snap.png", "snap_127_0_0_1.png"]
    seen.clear()
    r = invoke("image", str(tmp_path / "snap.jpg"), f"{base}/snap.jpg", "-o", f"{out}/", "--skip-existing")
    assert r.exit_code == 0 and "2 there already" in r.stderr and not seen, (r.output, seen)
    names = fetch.picture_names(["http://cam:8081/snap.jpg", "http://cam/a.jpg"], ["snap", "Snap_cam"])
    assert names == {"http://cam:8081/snap.jpg": "snap_cam_8081.jpg", "http://cam/a.jpg": "a.jpg"}, names
    assert fetch.picture_names(["http://cam/snap.jpg"], ["snap", "snap_cam"]) == {"http://cam/snap.jpg": "snap_1.jpg"}
