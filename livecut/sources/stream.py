"""Network stream source: RTSP, HTTP(S) MJPEG/HLS, UDP, SRT, RTMP through PyAV.

* opened with ``av.open(url, timeout=(open_timeout, read_timeout))`` and the
  low-latency options of :func:`livecut.urls.input_options`;
* one long-lived decode generator per connection;
* when the stream stalls (no frame for ``read_timeout`` s), errors or ends, it
  reconnects with backoff (one ``livecut`` log line per attempt) and carries on;
  frame indices keep counting delivered frames and timestamps keep increasing;
* a URL that never answers raises :class:`VideoOpenFailure` after ``open_timeout``;
* credentials are never shown: every message goes through :func:`redact_url`;
* ``https://``, ``rtsps://`` and ``rtmps://``: FFmpeg's TLS checks the server's certificate
  (``video.tls_verify``) against Python's CA file (see :func:`ca_file`); a refusal is one line
  naming the opt-out; a server that answers in the other language (TLS or not) is said to
  (see :func:`not_tls`, :func:`answers_tls`).

``srt://`` is read through an ``ffmpeg`` subprocess (PyAV's FFmpeg has no SRT;
see :mod:`livecut.srtbridge`): PyAV demuxes its stdout, the same timeouts apply
(bounded pipe reads), and a reconnection kills and respawns it.

A stream is ``live`` (the runner keeps only the newest frame) unless it is a file
over HTTP(S) -- a known duration (an MP4, an HLS VOD playlist) or, else, a Content-Length
(an MPEG-TS from a server without byte ranges; not a made-up one, as some servers send for a
live stream: see :func:`made_up_size`) -- which is read frame by frame and ends at its end.
A live connection's first frames, which come at once (those sent while it was opened), are held
all the same until the engine has caught up with them (see :meth:`StreamSource.catching_up`).
One sent without its size (chunked) is on probation, its frames held (:attr:`StreamSource.holding`)
and its packets read ahead meanwhile, until their pace says it is a file or live (see
:meth:`StreamSource._judge`); one read as live whose end came faster than it plays is a file all
the same, its end the end (see :meth:`StreamSource._sent_whole`), as is one that, asked for again
after it ended, starts again as it started (see :meth:`StreamSource._read_again`).  Its answer
ended before the last (zero-length) chunk is cut short, a loss (see :class:`_ChunkWatch`).
"""

from __future__ import annotations

import collections
import contextlib
import errno
import http.client
import logging
import os
import re
import shlex
import socket
import ssl
import threading
import time
import urllib.parse
import zlib
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import av
import numpy as np

from livecut.config import VideoConfig, video_option
from livecut.deinterlace import (FIELD_ORDERS, bwdif_options, deinterlaced, deinterlaced_once_flagged,
                                 said_once_flagged)
from livecut.errors import UsageError, VideoOpenFailure, ffmpeg_text
from livecut.frames import check_flag
from livecut.i420 import BgrReader, read_description
from livecut.imageio import MIN_SIDE
from livecut.progress import clock
from livecut.sinks.base import fps_text
from livecut.sources import register_source
from livecut.sources.base import Frame, FramePool, PixelShapes, SourceInfo, refuse_pickle, text_note, under_lock
from livecut.srtbridge import FfmpegBridge, PipeReader, check_listener_address, ffmpeg_for_srt, input_args
from livecut.threads import Worker
from livecut.urls import (input_listens, input_options, is_input_url, lower_scheme, redact_text, redact_url,
                          scrub_message, unknown_host_text, url_problem, url_scheme, url_secrets)

log = logging.getLogger("livecut")

#: the helper thread a stream is opened in from the main thread (see StreamSource.open); one
#: still alive at exit waits inside FFmpeg (see livecut.cli.main)
OPEN_THREAD = "livecut-open"

#: delays between reconnection attempts (seconds); the last one repeats
BACKOFF = (0.25, 0.5, 1.0, 1.0, 1.0, 2.0)

#: the threads whose FFmpeg input is to give up now (see _InterruptibleClock)
_ABORTED: set[int] = set()
#: thread -> time.monotonic() at which its FFmpeg open is to give up (see _InterruptibleClock)
_DEADLINES: dict[int, float] = {}

#: input schemes read through FFmpeg's TLS, and their default ports
TLS_PORTS = {"https": 443, "rtsps": 322, "rtmps": 443}
#: input schemes with a TLS counterpart above, and their default ports (see answers_tls)
PLAIN_PORTS = {"http": 80, "rtsp": 554, "rtmp": 1935}
#: OpenSSL's words (ssl.SSLError.reason) for a first answer that is not TLS: plain HTTP, RTSP, RTMP
NOT_TLS_REASONS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST",
                   "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL")


def ca_file() -> str | None:
    """The CA certificates a TLS input's server certificate is checked against: Python's
    (OpenSSL's) CA file, or the one ``SSL_CERT_FILE`` names; None when there is none.

    PyAV's FFmpeg is built with GnuTLS, whose own default store (``/etc/pki/tls/cert.pem``,
    compiled into its wheel) is absent on Debian and Ubuntu: without a ``ca_file`` every
    certificate would be refused there."""
    path = ssl.get_default_verify_paths().cafile  # (None unless the file exists)
    return path or None


def _can_read(format_name: str) -> bool:
    """Whether PyAV's FFmpeg has a demuxer of that name (its wheels have no DASH one: no libxml2)."""
    try:
        return bool(av.format.ContainerFormat(format_name).is_input)
    except (ValueError, av.error.FFmpegError):
        return False


def tls_options(url: str, verify: bool) -> tuple[dict[str, str], str | None]:
    """FFmpeg's TLS options for reading ``url``, and a warning when its certificate cannot be
    checked (no CA file on this machine)."""
    if not verify or url_scheme(url) not in TLS_PORTS:
        return {}, None
    named = os.environ.get("SSL_CERT_FILE", "")
    if named and not os.path.isfile(named):
        # (Python then has no CA file: the stream was read with its certificate unchecked, a
        # warning among the run's, where the user had named the certificates to trust)
        why = "is a folder, not a file of certificates" if os.path.isdir(named) else "no such file"
        raise UsageError(f"SSL_CERT_FILE={named}: {why} (the CA certificates to check the certificate of "
                         f"{redact_url(url)} against): name a PEM file, or unset it for this machine's")
    path = ca_file()
    if path is None:
        return {}, (f"{redact_url(url)}: the server's certificate is not checked: no CA certificates "
                    "found (SSL_CERT_FILE can name a file of them)")
    return {"tls_verify": "1", "ca_file": path}, None


def _tls_address(url: str) -> tuple[str, int] | None:
    """The (host, port) a TLS input (or a plain one, see answers_tls) connects to (its scheme's
    default port when none is named); None for a malformed address or one without a host
    (FFmpeg's own error stands)."""
    try:
        parts = urlsplit(url)
        scheme = url_scheme(url)
        host, port = parts.hostname, parts.port or TLS_PORTS.get(scheme) or PLAIN_PORTS.get(scheme, 443)
    except ValueError:
        return None
    return (host, port) if host else None


def tls_refusal(url: str, cafile: str, timeout: float) -> str | None:
    """Why ``url``'s server certificate is not trusted, if it is not: FFmpeg says no more
    than "Input/output error" when its check fails, so the same check is made again here with
    Python's ssl (the same CA file, the same host name).  None when it passes or the server
    cannot be reached."""
    address = _tls_address(url)
    if address is None:
        return None
    host = address[0]
    try:
        ctx = ssl.create_default_context(cafile=cafile)
        with socket.create_connection(address, timeout=timeout) as sock:
            with ctx.wrap_socket(sock, server_hostname=host):
                return None
    except ssl.SSLCertVerificationError as exc:
        why = str(exc.verify_message or "certificate verify failed").rstrip(". ")
        return f"the server's certificate is not trusted ({redact_text(why)})"
    except (OSError, ValueError):
        return None


def not_tls(url: str, timeout: float) -> str | None:
    """What to say when ``url`` (a TLS scheme) reaches a server that answers without TLS (an
    ``https://`` typed for an ``http://`` camera): FFmpeg says no more than "Input/output
    error".  None when its answer is TLS or it cannot be reached."""
    address = _tls_address(url)
    if address is None:
        return None
    scheme = url_scheme(url)
    try:
        _handshake(address, timeout)
        return None
    except ssl.SSLError as exc:
        if exc.reason in NOT_TLS_REASONS:
            return not_tls_text(scheme)
        return None
    except (OSError, ValueError):
        return None


def not_tls_text(scheme: str) -> str:
    """What :func:`not_tls` says for a server of ``scheme`` (https, rtsps, rtmps) that
    answers without TLS (the network outputs say it too)."""
    return f"the server does not answer in TLS (is it an {scheme[:-1]}:// address?)"


def cut_at_tls_text(scheme: str, how: str = "reset") -> str:
    """What an rtmps:// (rtsps://) input or output says when the server ``how`` ("reset",
    "closed") the connection at the TLS handshake without a byte of answer, and cannot be asked
    again whether it speaks the plain protocol (see :func:`answers_plain`): a plain RTMP server
    reads a ClientHello as an RTMP version it does not know and cuts it off, and one that serves
    one connection (``ffmpeg -listen 1``) is gone after it -- the run said only "Connection reset
    by peer" (an output "the server reset the connection")."""
    plain = scheme[:-1]
    return (f"the server {how} the connection without answering the TLS handshake "
            f"(a plain {plain.upper()} server does so: is it an {plain}:// address?)")


def answers_plain(url: str, timeout: float) -> bool:
    """Whether the server of ``url`` (rtmps://, rtsps://) that reset or closed the connection at
    the TLS handshake answers its plain protocol: an RTMP server reads a ClientHello as a
    handshake of an RTMP version it does not know and cuts the connection (FFmpeg's does),
    its plain answer never seen by OpenSSL, so an rtmps:// typed for its rtmp:// address said only
    "the server reset the connection".  An RTMP handshake's first byte (C0, version 3) is asked,
    an RTSP server an OPTIONS."""
    address = _tls_address(url)
    scheme = url_scheme(url)
    if address is None or scheme not in ("rtmps", "rtsps"):
        return False
    if scheme == "rtsps":
        return _rtsp_exchange(address, timeout, "*") == "rtsp"
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            sock.sendall(b"\x03" + bytes(1536))   # (C0 C1: an RTMP server answers S0, its version)
            return sock.recv(1) == b"\x03"
    except (OSError, ValueError):
        return False


def answers_tls(url: str, timeout: float, describe: bool = False, output: bool = False) -> str | None:
    """What to say when ``url`` (a plain scheme with a TLS counterpart) reaches a server that
    answers only in TLS (an ``rtsp://`` typed for a camera's ``rtsps://``): FFmpeg says no more
    than "Invalid data found when processing input" or "Connection reset by peer".  None when
    the server does not complete a TLS handshake (it is not checked: only its language is) or
    cannot be reached.  An ``rtsp://`` server is asked a plain OPTIONS first (see
    :func:`_rtsp_exchange`): one that answers it in RTSP, or not at once, is not probed for TLS;
    with ``describe`` (FFmpeg's "Invalid data") the DESCRIBE is asked again on that connection,
    and one that closes it unanswered (a path it does not serve, a proxy) is said to.  One that
    answers in HTTP is a web server: an input's address may be its http:// one; an ``output``'s
    is not (livecut publishes to no http:// address): its port may be the web server's."""
    scheme = url_scheme(url)
    address = _tls_address(url) if scheme in PLAIN_PORTS else None
    if address is None:
        return None
    if scheme == "rtsp":
        target = _rtsp_target(url)
        asked = _rtsp_exchange(address, timeout, target or "*", describe and target is not None)
        if asked == "closed":
            return ("the server answers RTSP, and closed the connection at DESCRIBE unanswered "
                    "(a path it does not serve?)")
        if asked == "http":  # (an HTTP camera's address typed as rtsp://: its web server's 400)
            # (an output's: to its http:// address livecut writes nothing, refused as a scheme)
            return ("the server answers HTTP, not RTSP (a web server: is the port the RTSP server's?)" if output
                    else "the server answers HTTP (is it an http:// address?)")
        if asked != "other":
            return None
    try:
        _handshake(address, timeout)
    except (OSError, ValueError):
        return None
    return f"the server answers in TLS (is it an {scheme}s:// address?)"


def _rtsp_exchange(address: tuple[str, int], timeout: float, target: str, describe: bool = False) -> str:
    """How the server at ``address`` answers a plain RTSP OPTIONS for ``target`` (the URL FFmpeg
    asked for, without its user and password: a server that answered FFmpeg answers it):
    "rtsp" (in RTSP), "other" (a TLS server's alert or close, as it meets bytes that are no TLS
    record; a refused or reset connection), "http" (in HTTP: a web server, an HTTP camera's),
    "silent" (nothing within ``timeout`` s: a TLS server
    answers those bytes at once, a plain one may wait).  With ``describe``, after a 200 the
    DESCRIBE is asked as FFmpeg asks it, on the same connection: "closed" where the server closes
    it unanswered.  Asked before a TLS handshake: a plain RTSP server that answered FFmpeg's
    OPTIONS and closed at its DESCRIBE left the handshake's ClientHello unanswered, and the
    run's line came 5 s late."""
    head = b""
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            sock.sendall(f"OPTIONS {target} RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
            while b"\r\n\r\n" not in head and len(head) < 65536:
                got = sock.recv(4096)
                if not got:
                    break
                head += got
            if describe and head.startswith(b"RTSP/1.0 200") and b"\r\n\r\n" in head:
                sock.sendall(f"DESCRIBE {target} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n".encode())
                if not sock.recv(1):
                    return "closed"
    except TimeoutError:
        if not head:
            return "silent"
    except (OSError, ValueError):
        if not head:
            return "other"
    if head.startswith(b"HTTP/") or head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "http"  # (Python's http.server answers a request of another protocol with its page alone)
    return "rtsp" if head.startswith(b"RTSP/") else "other"


def _rtsp_target(url: str) -> str | None:
    """``url`` as an RTSP request names it: without its user and password (None: one that cannot
    be put in a request line)."""
    parts = urlsplit(url)
    target = parts._replace(netloc=parts.netloc.rpartition("@")[2], fragment="").geturl()
    return None if any(c in target for c in "\r\n ") else target


def _handshake(address: tuple[str, int], timeout: float) -> None:
    """Connect to ``address`` and complete a TLS handshake, its certificate not checked (only
    the server's language is asked: see not_tls, answers_tls); raises as socket and ssl do."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(address, timeout=timeout) as sock:
        with ctx.wrap_socket(sock, server_hostname=address[0]):
            pass


#: the Content-Types of a web page (a camera's admin page, a login form, a player's page)
WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def web_page(url: str, timeout: float, tls: dict[str, str]) -> str | None:
    """What to say when ``url`` (http:// or https://) answers with a web page -- a camera's
    address typed without its stream's path, its admin page or login form, a player's page
    around the video: FFmpeg, finding no video in it, says no more than "Invalid data found
    when processing input".  Asked again here (its user and password as FFmpeg sends them, to
    that host alone, redirections followed; an https:// one checked as FFmpeg checked it,
    ``tls``): by its Content-Type, or by its start where the server names none that says it.
    None when it is not one or cannot be asked within ``timeout`` s."""
    import urllib.request

    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2], fragment="").geturl()
        handlers: list[Any] = [urllib.request.ProxyHandler({})]  # (straight to the host, as the other checks)
        if parts.username is not None:
            login = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            login.add_password(None, bare, urllib.parse.unquote(parts.username),
                               urllib.parse.unquote(parts.password or ""))
            handlers.append(urllib.request.HTTPBasicAuthHandler(login))
        if parts.scheme.lower() == "https":
            ctx = ssl.create_default_context(cafile=tls.get("ca_file"))
            if not tls:  # (read unchecked: --set video.tls_verify=false, or no CA certificates here)
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            handlers.append(urllib.request.HTTPSHandler(context=ctx))
        with urllib.request.build_opener(*handlers).open(bare, timeout=timeout) as answer:
            kind = (answer.headers.get_content_type() or "").lower()
            start = answer.read(1024)
    except (OSError, ValueError, UnicodeError, http.client.HTTPException):
        return None
    if kind in WEB_PAGE_TYPES:
        return f"a web page ({kind}), not a video"
    head = start.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if kind in ("", "application/octet-stream", "text/plain") and head.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML), not a video"
    return None


def unknown_host(url: str, timeout: float) -> str | None:
    """What to say when ``url``'s host name does not resolve (a typing error, a camera's name
    that the network does not know): FFmpeg says no more than "Input/output error".  None when
    it resolves, or the look-up takes longer than ``timeout`` s."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    box: dict[str, socket.gaierror] = {}

    def look() -> None:
        try:
            socket.getaddrinfo(host, None)
        except socket.gaierror as exc:
            box["exc"] = exc
        except (OSError, UnicodeError):
            pass

    looker = threading.Thread(target=look, name="livecut-resolve", daemon=True)
    looker.start()
    looker.join(timeout)
    exc = box.get("exc")
    if exc is None:
        return None
    return unknown_host_text(host, exc.errno == socket.EAI_AGAIN)


class _InterruptibleClock:
    """The ``time`` module as PyAV's container code sees it, with one difference: to a thread
    in :data:`_ABORTED`, ``monotonic()`` says a time far past any timeout.

    PyAV bounds FFmpeg's waits (``av.open(..., timeout=(open, read))``) with an interrupt
    callback that FFmpeg calls, in the waiting thread, every 0.1 s or so while it waits for
    data, and that compares ``time.monotonic()`` with the time the wait started (also read
    from ``time.monotonic()``) plus the timeout: so a stream's read (or
    open) stopped by :meth:`StreamSource.stop` or ``close`` gives up within that 0.1 s
    (``av.error.ExitError``) instead of holding its thread until ``video.read_timeout``
    (``open_timeout``).  Ctrl-C on a stalled stream waited 1.5 s for that thread (the
    runner's join, then close()), and left it inside FFmpeg.  Other threads, and every other
    use of PyAV in the process, see the real clock.

    The same goes for a thread in :data:`_DEADLINES` once its deadline is past: an open is
    bounded by one deadline (see :meth:`StreamSource._connect`), where PyAV times FFmpeg's
    open and its look at the streams each with the open timeout (a server that answered late
    and then sent a few bytes at a time held an open for twice video.open_timeout)."""

    def __getattr__(self, name: str):
        return getattr(time, name)

    @staticmethod
    def monotonic() -> float:
        now = time.monotonic()
        if (_ABORTED and threading.get_ident() in _ABORTED) or (
                _DEADLINES and now >= _DEADLINES.get(threading.get_ident(), now + 1)):
            # past any timeout however PyAV's timer started: before the stop (on the real
            # clock) or after it (PyAV starts it on this clock before each packet and at the
            # open: a constant offset cancelled out, and such a wait ran to its timeout)
            return now * 1e6 + 1e9
        return now


@contextlib.contextmanager
def _open_deadline(seconds: float):
    """FFmpeg's waits in the calling thread give up ``seconds`` from now (or at an earlier
    deadline already set), however PyAV times them (see _InterruptibleClock)."""
    me = threading.get_ident()
    before = _DEADLINES.get(me)
    _DEADLINES[me] = min(time.monotonic() + seconds, before if before is not None else float("inf"))
    try:
        yield
    finally:
        if before is None:
            _DEADLINES.pop(me, None)
        else:
            _DEADLINES[me] = before


def _install_clock() -> bool:
    """Put :class:`_InterruptibleClock` where PyAV's interrupt callback reads the time; False
    where this PyAV reads it otherwise (a stop then waits for the timeouts, as before)."""
    try:
        import av.container.core as core
    except ImportError:  # pragma: no cover
        return False
    current = getattr(core, "time", None)
    if isinstance(current, _InterruptibleClock):
        return True
    if current is not time:
        return False
    core.time = _InterruptibleClock()
    return True


#: whether a stop interrupts FFmpeg's waits (see _InterruptibleClock)
INTERRUPTIBLE = _install_clock()


#: a server's answers that asking again does not change (the camera's password changed, its access
#: withdrawn, the stream removed): a reconnection that gets one gives up at once, where a refused
#: connection, a 5xx or a timeout is retried until video.reconnect_limit (FFmpeg's RTSP says them so too)
REFUSALS = ((av.error.HTTPUnauthorizedError, "401 Unauthorized", "a login is asked for, or the one given refused"),
            (av.error.HTTPForbiddenError, "403 Forbidden", "access to the stream is refused"),
            (av.error.HTTPNotFoundError, "404 Not Found", "the stream is no longer there"))


def refusal(exc: BaseException) -> str | None:
    """What to say when ``exc`` is a server's answer that asking again does not change (see
    :data:`REFUSALS`); None for any other error."""
    for kind, status, why in REFUSALS:
        if isinstance(exc, kind):
            return f"the server answered {status}: {why}"
    return None


def transport_refused(scheme: str, transport: str, option: str) -> str:
    """What to say when an RTSP server refused the transport asked: "461 Unsupported Transport"
    to the SETUP, said by FFmpeg as no more than "Protocol not supported".  ``option``: how
    the other transport is asked for, "{}" standing for it (none for rtsps://, TCP only)."""
    said = f"the server refused RTP over {transport.upper()} (461 Unsupported Transport)"
    if scheme == "rtsps":
        return said
    return f"{said}: try {option.format('udp' if transport == 'tcp' else 'tcp')}"


def _reason(exc: BaseException) -> str:
    """A short, credential-free description of a PyAV/OS error."""
    if isinstance(exc, av.error.ExitError):
        return "timed out"
    text = getattr(exc, "strerror", None) or ffmpeg_text(exc) or type(exc).__name__
    return redact_text(str(text))


#: the lock, the count of connections watched, and the capture of the other threads' lines (see _ChunkWatch)
_WATCH_LOCK = threading.Lock()
_WATCHING = 0
_WATCH_SINK: list[Any] = []
_AV_LOG_QUIET = -8     #: FFmpeg's AV_LOG_QUIET: no line is logged
_QUIET_SETTLE = 0.02   #: s for FFmpeg's threads inside PyAV's log callback to leave it


def _segment_name(url: str) -> str:
    """An HLS segment as a message names it: the last part of its address's path (the address
    may hold a token)."""
    return redact_text(urlsplit(url).path.rstrip("/").rpartition("/")[2] or "?")


class _ChunkWatch:
    """Whether an answer over HTTP(S) without its size (chunked) came whole.  FFmpeg's http
    protocol says so only at its debug level, "Last chunk received, closing conn" at the last
    (zero-length) chunk: an answer that the server cut short at a chunk's end, or within one
    after "Connection: close", ends with the same EOF as a whole one (within a chunk of a
    connection kept alive it is an error, "Stream ends prematurely": a loss).  PyAV drops
    FFmpeg's log unless the application sets a level (``av.logging``, None by default): while a
    connection is watched the level is DEBUG, the lines of the threads that read it are captured
    for it (see :meth:`reading`), those of every other thread dropped as before (a capture of
    their own, emptied as it goes), and the level is None again after the last one.  Where the
    application set a level of its own nothing is changed, and nothing known (``on`` False); so
    too from the moment it sets one while a connection is watched (its last chunk no longer
    said: a whole file was taken for cut short), its level left as it set it.  An RTSP
    connection is watched while it opens, for the server's refusal in its words (see answer); so
    is an rtmp:// output's publish (see said)."""

    def __init__(self) -> None:
        self.on = False
        self.whole = False  #: the connection's last chunk came
        #: an RTSP server's 4xx or 5xx answer to a request of the connection's ("503 Service
        #: Unavailable"), of which FFmpeg's error says most only by its class
        self.answer: str | None = None
        #: an RTMP server's error ("Server error: ..."): its words of why it refused, of which
        #: FFmpeg's error says only "Operation not permitted"
        self.said: str | None = None
        #: an HLS playlist's first segment that FFmpeg could not load (its address), and the
        #: HTTP error met on the way ("HTTP error 404 File not found"), of which FFmpeg's error
        #: says only "Invalid data found when processing input"
        self.segment: str | None = None
        self.segment_error: str | None = None
        self._http_error: str | None = None
        #: the segments at an HLS playlist's start that FFmpeg could not load and passed over in
        #: silence, the output starting after them (their addresses), and the HTTP error met
        self.skipped: list[str] = []
        self.skipped_error: str | None = None
        self._asked: str | None = None  #: the segment last asked for, not (yet) failed
        self._failed: str | None = None  #: the segment last failed, before any was loaded
        self._loaded = False  #: a segment of the playlist was loaded
        #: the segments further on that FFmpeg could not load and passed over in silence (their
        #: addresses, and the HTTP error met), of which the frames' times find the gap (see
        #: StreamSource._missing); the one last failed
        self.missed: list[tuple[str, str | None]] = []
        self._missed: tuple[str, str | None] | None = None
        #: the answer, sent without its size and not chunked, ended where the server closed the
        #: connection -- HTTP's end of such an answer (an HTTP/1.0 server's) -- which FFmpeg takes
        #: for a cut, "Stream ends prematurely at N, should be 18446744073709551615" (no size
        #: known), and fails as "Input/output error"
        self.closed = False
        #: an rtmps:// input's TLS connection could not be opened (FFmpeg's "Cannot open connection
        #: tls://HOST:PORT"): its error, a reset, came at the TLS handshake (see StreamSource._cut_at_tls)
        self.tls_cut = False
        #: the connection's TCP connection was made (FFmpeg's "Successfully connected to ..."):
        #: an rtmps:// open that timed out then waited on its TLS handshake (see StreamSource._plain_behind_tls)
        self.tcp_connected = False
        #: FFmpeg's tls protocol said an error ("IO error: Connection reset by peer"): an rtsps://
        #: input's reset came on its TLS connection (see StreamSource._cut_at_tls)
        self.tls_failed = False
        #: where the demuxer stood once it had read the file's header, before its first packet
        #: (FFmpeg's "Before avformat_find_stream_info() pos: P bytes read:B seeks:S"): (P, B, S)
        self.header_read: tuple[int, int, int] | None = None
        #: an MP4's demuxer could not go to a frame's data (FFmpeg's "stream 0, offset 0x30: partial
        #: file": its seek failed, or the file ends before it)
        self.partial_file = False

    def start(self) -> None:
        """Watch a new connection (its answer not yet come whole)."""
        global _WATCHING
        self.whole = False
        self.answer = self.said = None
        self.segment = self.segment_error = self._http_error = None
        self.skipped, self.skipped_error, self._asked, self._failed, self._loaded = [], None, None, None, False
        self.missed, self._missed = [], None
        self.closed = self.tls_cut = self.tcp_connected = self.tls_failed = False
        self.header_read, self.partial_file = None, False
        if self.on:
            return
        with _WATCH_LOCK:
            if _WATCHING == 0:
                if av.logging.get_level() is not None:  # (the application's own)
                    return
                skip = av.logging.get_skip_repeated()
                av.logging.set_level(av.logging.DEBUG)
                av.logging.set_skip_repeated(False)  # (each connection's last chunk said)
                sink = av.logging.Capture(local=False)
                _WATCH_SINK[:] = [sink, sink.__enter__(), skip]
            _WATCHING += 1
            self.on = True

    def stop(self) -> None:
        global _WATCHING
        if not self.on:
            return
        with _WATCH_LOCK:
            self.on = False
            _WATCHING -= 1
            if _WATCHING == 0:
                sink, _, skip = _WATCH_SINK
                _WATCH_SINK.clear()
                sink.__exit__(None, None, None)
                av.logging.set_skip_repeated(skip)
                if av.logging.get_level() == av.logging.DEBUG:  # (not one the application set since)
                    # (an FFmpeg thread inside PyAV's callback, past its check of the level, then
                    # compares its line's level with PyAV's: None there was a TypeError, printed
                    # with its traceback on stderr; a level that takes no line, then a moment
                    # for such threads to pass, then None)
                    av.logging.set_level(_AV_LOG_QUIET)
                    time.sleep(_QUIET_SETTLE)
                    if av.logging.get_level() == _AV_LOG_QUIET:  # (not one the application set meanwhile)
                        av.logging.set_level(None)

    @contextlib.contextmanager
    def reading(self):
        """Around a read of the connection (its open, a packet, a frame): its lines are looked at."""
        if not self.on:
            yield
            return
        with av.logging.Capture() as lines:  # (this thread's)
            try:
                yield
            finally:
                # (said by the connection's protocol: "https" for an https:// one)
                if any(name in ("http", "https") and text.startswith("Last chunk received") for _, name, text in lines):
                    self.whole = True
                if any(name in ("http", "https") and re.fullmatch(r"Stream ends prematurely at \d+, should be "
                                                                  r"18446744073709551615\s*", text)
                       for _, name, text in lines):
                    self.closed = True
                if any(name == "tls" and level <= av.logging.ERROR for level, name, _ in lines):
                    self.tls_failed = True
                for _, _, text in lines:  # (FFmpeg's "method DESCRIBE failed: 503 (Service Unavailable)")
                    if m := re.match(r"method \w+ failed: ([45]\d\d)\b[ (]*([ -~]{0,80}?)\)?\s*$", text):
                        self.answer = redact_text(f"{m[1]} {m[2]}".strip())
                    elif m := re.match(r"Server error: ([ -~]{1,200}?)\s*$", text):
                        self.said = m[1]
                    elif text.startswith("Cannot open connection tls://"):
                        self.tls_cut = True
                    elif text.startswith("Successfully connected to "):
                        self.tcp_connected = True
                    elif m := re.match(r"Before avformat_find_stream_info\(\) pos: (\d+) bytes read:(\d+) "
                                       r"seeks:(\d+)", text):
                        self.header_read = (int(m[1]), int(m[2]), int(m[3]))
                    elif re.fullmatch(r"stream \d+, offset 0x[0-9a-f]+: partial file\s*", text):
                        self.partial_file = True
                    elif m := re.match(r"(HTTP error [45]\d\d\b[ -~]{0,80}?)\s*$", text):
                        self._http_error = m[1]
                    elif m := re.match(r"Error when loading first segment '(.{1,4000})'\s*$", text):
                        self.segment, self.segment_error = m[1], self._http_error
                    elif m := re.match(r"HLS request for url '(.{1,4000})', offset", text):
                        self._loaded = self._loaded or self._asked is not None  # (the one before: no failure said)
                        self._asked, self._http_error = m[1], None
                    elif text.startswith("Failed to open segment "):  # (asked again, or passed over)
                        if self._asked is not None and not self._loaded:
                            self._failed, self._asked = self._asked, None
                            self.skipped_error = self.skipped_error or self._http_error
                        elif self._asked is not None:
                            self._missed, self._asked = (self._asked, self._http_error), None
                    elif re.match(r"Segment \d+ of playlist \d+ failed too many times, skipping", text):
                        if not self._loaded and self._failed is not None:
                            self.skipped.append(self._failed)
                        elif self._loaded and self._missed is not None:
                            self.missed.append(self._missed)
                        self._failed = self._missed = None
                with _WATCH_LOCK:
                    if _WATCH_SINK:
                        _WATCH_SINK[1].clear()
                if av.logging.get_level() != av.logging.DEBUG and not self.whole:
                    # the application set a level of its own meanwhile: the last chunk may have
                    # gone unsaid -- nothing known from now on, its level kept (see stop)
                    self.stop()


def _then_raise(frames: list, exc: BaseException) -> Iterator[Any]:
    """``frames``, then ``exc`` raised."""
    yield from frames
    raise exc


def _faster(plays: float, took: float) -> bool:
    """Whether ``plays`` s of video that came in ``took`` s came faster than they play: over
    :data:`FILE_PACE` times as fast, past a live server's first burst (:data:`LIVE_BURST` s)."""
    return plays > FILE_PACE * took + LIVE_BURST


class _Lost(Exception):
    """The current connection is gone (reason in args[0]); ``unreadable``: the data that came
    cannot be decoded (not a timeout nor a broken connection), so a new connection to the same
    file would read the same."""

    def __init__(self, reason: str, unreadable: bool = False, quiet_since: float | None = None):
        super().__init__(reason)
        self.unreadable = unreadable
        #: time.monotonic() since which nothing came, where known (a read timeout's start)
        self.quiet_since = quiet_since


class StreamSource:
    """A network video stream; see the module docstring."""

    live = True
    #: close() is safe from another thread while read() waits in FFmpeg (see close)
    close_while_reading = True

    def __init__(self, url: str, cfg: VideoConfig | None = None, *,
                 rtsp_transport: str | None = None, reconnect: bool | None = None,
                 backoff: tuple[float, ...] = BACKOFF,
                 opener: Callable[..., Any] | None = None) -> None:
        self.url = lower_scheme(str(url))
        #: RTSP's reads wait a whole read timeout again after a stall's last frame (see _next_av_frame)
        self._rtsp = url_scheme(self.url) in ("rtsp", "rtsps")
        self.safe_url = redact_url(self.url)
        problem = url_problem(self.url)
        if problem:
            raise UsageError(f"{self.safe_url}: {problem}")
        self.cfg = cfg or VideoConfig()
        if rtsp_transport is not None:  # (5 was a bare TypeError at the connection, 'UDP' "Invalid argument")
            rtsp_transport = video_option(self.cfg, "rtsp_transport", rtsp_transport, "open_source", "'tcp' or 'udp'")
        self.rtsp_transport = rtsp_transport or self.cfg.rtsp_transport
        self.reconnect = self.cfg.reconnect if reconnect is None else check_flag(reconnect, "reconnect", "open_source")
        self.backoff = tuple(backoff) or BACKOFF
        self._open = opener or av.open
        self._container: Any = None
        self._bridge: FfmpegBridge | None = None   # srt://: the ffmpeg subprocess
        self._srt_refusal: str | None = None       # srt:// listener: a caller it turned away (bridge.refusal)
        self._srt_reader: PipeReader | None = None  # srt://: its pipe, as PyAV reads it
        self._frames: Iterator[Any] | None = None
        #: a stream on probation: the packets read ahead, not yet decoded (see read_ahead)
        self._ahead: collections.deque = collections.deque()
        #: the current connection's first video packets, as (pts, dts, size, crc32) (see _read_again)
        self._opening: list = []
        self._to_bgr = BgrReader()  # (the frames with their own matrix and range)
        self._pool = FramePool(POOL_MAX)  # frames' buffers given back (release_frame)
        #: the frames' pixel shapes against the first's, the output's (see _shape)
        self._shapes = PixelShapes()
        #: the first frame's size (width, height), the output's (see _as_shown)
        self._out_size: tuple[int, int] | None = None
        self._index = 0
        self._failed_opens = 0  # connections that opened, then failed before a first frame
        self._frames_behind = False  # (see _connect)
        self._closed = False
        self._stop = threading.Event()
        self._reading = threading.RLock()  # (an RLock: close() asks whether it has it, _is_owned)
        self._io_lock = threading.Lock()
        self._io_threads: set[int] = set()  # the threads in FFmpeg for this source (see _io)
        self._pts_offset = 0.0         # added to the stream's pts (grows at each reconnect)
        self._last_pts: float | None = None
        self._first_pts: float | None = None
        self._last_src: float | None = None    # the source's own time of the last frame delivered
        self._last_frame_at: float | None = None  # time.monotonic() of the last frame delivered
        self._anchored_at = 0.0        # time.monotonic() when _first_pts was taken
        self._arrival_time = False  # frames timed by their arrival (see _connect)
        self.live_buffer = 1
        #: before any frame: when the first loss was noticed, and the reconnections since (an
        #: open that works and then gives no frame must not restart the limit or the backoff)
        self._dry_since: float | None = None
        self._dry_attempts = 0
        #: time.monotonic() since which the stream sent nothing, when a read timed out after the
        #: last frame delivered (see _reconnect); None again at the next frame
        self._quiet_since: float | None = None
        #: time.monotonic() at which a read began that an RTSP stream's frame ended only after
        #: video.read_timeout (see _next_av_frame): the stall's, said as the loss at the next read
        self._stalled_at: float | None = None
        #: a finite stream reconnected: the frames up to this source time were delivered already
        self._resume_after: float | None = None
        self._replays = False      #: HLS/DASH: a reconnection reads segments delivered already
        self.reconnects = 0            #: successful reconnections so far
        #: jumps of the stream's own clock (see _deliver) carried over without a gap
        self.jumps = 0
        self.finite = False            #: True when the stream has a known duration (VOD)
        #: what the run's summary should say (a stream's audio, which is not carried)
        self.warnings: list[str] = []
        #: what of an HLS file could not be read (a segment the server did not give: "1 s of the
        #: video"), said in the warnings and by the run's last line (see FileSource.partial)
        self.partial: list[str] = []
        self.has_audio = False         #: the stream carries audio (which livecut does not)
        #: FFmpeg's TLS options (https://, rtsps://, rtmps://: check the server's certificate)
        self._tls, unchecked = tls_options(self.url, self.cfg.tls_verify)
        self._unchecked = bool(unchecked)
        if unchecked:
            self.warnings.append(unchecked)
        self._hls_noted = False
        self._catch_up_lock = threading.Lock()
        #: an answer without its size: whether it came whole (its last chunk: see _ChunkWatch)
        self._chunks = _ChunkWatch()
        self.info = SourceInfo(width=0, height=0, fps=None)

    # ------------------------------------------------------------ open / close

    def _connect(self, open_timeout: float | None = None) -> None:
        """Open the URL and prime the decoder; raises the PyAV/OS error as is.  ``open_timeout``:
        seconds the open may take (video.open_timeout when None)."""
        if self.url.lower().split("?")[0].split("#")[0].endswith(".mpd") and not _can_read("dash"):
            # (FFmpeg's answer was "Invalid data found when processing input")
            raise VideoOpenFailure(
                f"{self.safe_url}: this PyAV/FFmpeg build cannot read DASH (.mpd; its FFmpeg has no DASH "
                "demuxer): use the stream's HLS (.m3u8) address, or relay it with the ffmpeg program "
                "(ffmpeg -i URL -c copy -f mpegts udp://127.0.0.1:5000; livecut run udp://127.0.0.1:5000)")
        opts = {**input_options(self.url, self.rtsp_transport), **self._tls}
        wait = self.cfg.open_timeout if open_timeout is None else open_timeout
        self._connected_at, self._count = time.monotonic(), 0
        self._arrivals, self._reading_from = 0, None
        self._opening = []
        self._ahead.clear()
        self._ahead_bytes, self._ahead_end, self._packets = 0, None, None
        if url_scheme(self.url) == "srt":
            container = self._open_srt(opts, wait)
        else:
            if self.url.lower().startswith(("http://", "https://", "rtsp://", "rtsps://", "rtmps://")):
                # (a short answer may come whole within the open; an RTSP server's refusal; an
                # rtmps:// server's cut at the TLS handshake)
                self._chunks.start()
            try:
                with _open_deadline(wait), self._chunks.reading():
                    # (tags that are not UTF-8, an old tool's Latin-1 title, failed the open: an
                    # internal error; a file's are read so, what is not UTF-8 left out)
                    container = self._open(self.url, mode="r", options=opts, metadata_errors="ignore",
                                           timeout=(wait, self.cfg.read_timeout))
            except BaseException:
                self._chunks.stop()
                raise
        try:
            if why := text_note(self.safe_url, container.format.name or ""):  # (a .txt served over HTTP)
                raise VideoOpenFailure(why)
            if not container.streams.video:
                raise VideoOpenFailure(f"{self.safe_url}: the stream has no video")
            stream = container.streams.video[0]
            if self._tls and container.format.name == "hls" and not self._hls_noted:
                # (FFmpeg's HLS demuxer opens the segments, and reloads the playlist, without the
                # options it was opened with)
                self._hls_noted = True
                self.warnings.append(f"{self.safe_url}: only the playlist's certificate was checked: "
                                     "FFmpeg reads HLS segments without checking theirs")
            if container.streams.audio and not self.has_audio:  # (said once, not per reconnection)
                self.has_audio = True
                self.warnings.append(f"{self.safe_url}: the stream's audio is not carried: the output is video "
                                     "only (audio is copied by `livecut file` and `livecut run FILE`)")
            # live sources: no frame-threading (it adds frames of latency)
            stream.thread_type = "SLICE"
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            fps = float(rate) if rate and 1 <= float(rate) <= 240 else None
            #: a format whose frames carry no time (MJPEG over HTTP, as IP cameras send it: its
            #: demuxer makes up 25 fps): frames are timed by their arrival, their rate unknown
            self._arrival_time = container.format.name in WALLCLOCK_FORMATS
            if self._arrival_time:
                fps = None
            duration = None
            if container.duration and container.duration > 0:
                duration = container.duration / 1_000_000
            # a file over HTTP: its duration, or else (an MPEG-TS from a server without byte
            # ranges, whose length FFmpeg does not estimate) its Content-Length -- a live HTTP
            # stream has none, an MJPEG snapshot or a playlist's is not the video's.  (Taken for
            # live, such a file was reconnected to at its end and replayed for ever.)  A made-up
            # length (see made_up_size), some servers' for a live stream, does not count.
            size = getattr(container, "size", -1)
            http = self.url.lower().startswith(("http://", "https://"))
            sized = (http and isinstance(size, int) and size > 0
                     and container.format.name not in BURST_FORMATS + WALLCLOCK_FORMATS)
            self.finite = http and (
                duration is not None or (sized and not made_up_size(size)) or self._sent_as_file)
            if self.finite and self._resume_after is None and self._chunks.skipped:  # (the output's start)
                if (said := self._start_skipped()) not in self.warnings:  # (once, whatever the reconnections)
                    self.warnings.append(said)
                    n = len(self._chunks.skipped)
                    self.partial.append("the video's first segment" if n == 1 else f"the video's first {n} segments")
            #: an MP4 over HTTP whose header its demuxer read to the file's end, every byte of it and
            #: no seek, and which could then not go back to its frames (an MP4 with its index, the
            #: moov atom, after its frames, from a server without byte ranges): a connection that
            #: fails before a first frame is given up at once (see _read), every other one would
            #: read the same.  (Where FFmpeg's log is not watched, av.logging set by the
            #: application, after FAILED_OPENS tries.)
            self._frames_behind = (self.finite and "mov" in (container.format.name or "").split(",")
                                   and self._chunks.header_read == (size, size, 0) and self._chunks.partial_file)
            #: a length that looks made up: a live stream's, or a file's of that very size (see _sent_whole)
            self._made_up = size if sized and not self.finite else None
            if self.finite and duration is None:
                # a file known by its length alone: its server answers no byte ranges (with them
                # FFmpeg finds an MPEG-TS's duration at its end), where a seek reads ahead for the
                # point, up to the whole file, and then fails or overshoots: a reconnection reads
                # it again from its start at once, the frames delivered skipped
                self._seek_resumes = False
            ctx = stream.codec_context
            #: live frames the runner may hold (1: only the newest); HLS and DASH deliver a
            #: segment at a time, in a burst: room for a few seconds of it
            self.live_buffer = 1
            self._replays = container.format.name in BURST_FORMATS
            # a stream over HTTP(S) without its size (chunked: a live MPEG-TS or FLV, or a file
            # from a dynamic server or a proxy) is on probation until its frames' pace says
            # which it is (see _judge): its frames are held meanwhile, none dropped
            self.probation = (http and not self.finite and not sized and not self._replays and not self._arrival_time
                              and not self._judged)
            self.holding = self.probation or self._sent_as_file
            # (only an answer without its size is watched, an HTTP MJPEG camera's, whose
            # server's end FFmpeg says only as an error: see _next_av_frame, and an HLS file's,
            # whose segment further on that could not be loaded FFmpeg passes over, said only in
            # its log: see _missing)
            if not self.holding and not (self._arrival_time and http) and not (self._replays and self.finite and http):
                self._chunks.stop()
            self._video_index = stream.index
            if self._replays or self.holding:  # (4 s of frames, at most LIVE_BUFFER_BYTES)
                frame_bytes = 3 * max(1, (ctx.width or 1920) * (ctx.height or 1080))
                self.live_buffer = max(8, min(int(4 * (fps or 25)), LIVE_BUFFER_BYTES // frame_bytes))
            # a live stream's first frames come at once: those it sent while it was opened (FFmpeg
            # probes 0.5 s of it) and the run started -- all but the newest of them were dropped,
            # 7 of a 10 fps stream's first 9, where the engine took 25 ms a frame: they are held
            # until the engine has caught up with them (see caught_up), CATCH_UP s at most.  Not a
            # stream timed by its frames' arrival (they would come out squeezed together)
            with self._catch_up_lock:
                self._catch_up_from, self._catch_up_until = self._index, None
                self._catching_up = (not self.finite and not self.holding and self.live_buffer == 1
                                     and not self._arrival_time)
            if ctx.width and ctx.height:  # a header claiming absurd dimensions: refuse now
                from livecut.sources.file import check_frame_size

                check_frame_size(ctx.width, ctx.height, self.safe_url)
            #: a file over HTTP of known duration: the source time of its end (see _ended_at_its_end)
            self._end_at = ((container.start_time or 0) / 1e6 + duration
                            if self.finite and duration is not None else None)
            self.info = SourceInfo(width=ctx.width or self.info.width,
                                   height=ctx.height or self.info.height,
                                   fps=fps or self.info.fps, duration=duration if self.finite else None,
                                   time_base=Fraction(stream.time_base) if stream.time_base else None,
                                   frames=None, rotation=self.info.rotation,  # (the first connection's)
                                   sample_aspect=self.info.sample_aspect)
            read_description(self.info, ctx)  # (frames are read by swscale, with it)
            self.live = not self.finite
            self._seeked = self._came = False
            self._seen = None
            if self.finite and self._resume_after is not None and stream.time_base and self._seek_resumes:
                # a file over HTTP, reconnected: carry on where it stopped (a server without
                # byte ranges cannot seek: it is read from the start, the frames before skipped)
                target = self._resume_after
                if self._replays and container.duration and container.start_time is not None:
                    # not past the playlist's end less HLS_END (its own reckoning, its segments'
                    # stated lengths from its first packet): FFmpeg's HLS demuxer refuses a seek
                    # to the last frame of a live stream that ended ("Operation not permitted"),
                    # and a whole broadcast was read again from its start to reach its end
                    target = min(target, (container.start_time + container.duration) / 1e6 - HLS_END)
                try:
                    container.seek(int(target / stream.time_base), stream=stream, backward=True)
                    self._seeked = True
                except (av.error.FFmpegError, OSError, ValueError):
                    # a seek refused may leave the demuxer astray all the same (FFmpeg's HLS one
                    # went on a segment later, or gave nothing more): the next attempt reads it
                    # from its start, the frames delivered skipped
                    self._seek_resumes = False
                    raise VideoOpenFailure("its seek to the frame reached failed") from None
            self._frames = self._decoded(container, stream, wait)
        except BaseException:
            container.close()
            self._stop_bridge()
            self._chunks.stop()
            raise
        self._container = container

    def _decoded(self, container: Any, stream: Any, first_within: float) -> Iterator[Any]:
        """The connection's video frames (see _video_frames), deinterlaced as video.deinterlace
        says (see _deinterlace)."""
        frames = self._video_frames(container, stream, first_within)
        if self.cfg.deinterlace == "off" and self._interlace_said:
            return frames
        field_order = int(getattr(stream.codec_context, "field_order", 0) or 0)
        return self._deinterlace(frames, field_order, Fraction(stream.time_base) if stream.time_base else None)

    def _deinterlace(self, frames: Iterator[Any], field_order: int, time_base: Any) -> Iterator[Any]:
        """``frames``, deinterlaced by bwdif (a frame for a frame: the count and the timestamps
        kept) when video.deinterlace is on, or auto and the connection's first frame is flagged
        interlaced or its stream states a field order (an IPTV or broadcast feed's 1080i: woven
        fields comb wherever it moves).  bwdif looks one frame ahead: each frame is delivered
        when the next one is decoded (a frame's time later; the last at the stream's end)."""
        first = next(frames, None)
        if first is None:
            return
        flagged = bool(getattr(first, "interlaced_frame", False))
        options = bwdif_options(self.cfg.deinterlace, flagged, field_order)
        self.deinterlaced = options is not None
        if options is None:
            if flagged and not self._interlace_said:  # (video.deinterlace=off: said once)
                order = FIELD_ORDERS.get(field_order)
                self._say_interlaced(f"interlaced video{f' ({order})' if order else ''}")
            yield first
            if self.cfg.deinterlace == "auto":  # (progressive at its start: an interlaced part later)
                yield from deinterlaced_once_flagged(frames, field_order, self.safe_url, time_base=time_base,
                                                     started=lambda: setattr(self, "deinterlaced", True))
                return
            if not self._interlace_said:  # (off, progressive at its start: an interlaced part later is said)
                yield from said_once_flagged(frames, lambda: self._say_interlaced(
                    "interlaced video after its progressive start"))
                return
            yield from frames
            return
        yield from deinterlaced(frames, options, self.safe_url, first=first, time_base=time_base)

    def _say_interlaced(self, what: str) -> None:
        """Say in the warnings, once, that ``what`` (interlaced video) is cut as woven frames
        (video.deinterlace off)."""
        if self._interlace_said:
            return
        self._interlace_said = True
        self.warnings.append(f"{self.safe_url}: {what} is cut as whole frames, its two fields woven together "
                             "(combing where it moves): --set video.deinterlace=auto deinterlaces it")

    #: the frames are deinterlaced (bwdif, video.deinterlace; known at a connection's first frame)
    deinterlaced = False
    #: an interlaced stream cut as woven frames (video.deinterlace=off) was said in the warnings
    _interlace_said = False

    def _video_frames(self, container: Any, stream: Any, first_within: float) -> Iterator[Any]:
        """``container.decode(stream)`` (the video), with a stall of its own: no frame within
        ``first_within`` s of the first request (a connection's first frame: the open's time),
        then for video.read_timeout, raises TimeoutError while the container's other streams
        (audio) go on.  PyAV's read timeout starts again at every packet of any stream: a
        camera whose video stopped while its audio went on was never taken for stalled (no
        frame, no reconnection, no end until Ctrl-C).  Time the caller spends between frames
        does not count.  A stream on probation: its packets as :meth:`_next_packet` gives them
        (those read ahead first, see read_ahead)."""
        if self.probation:
            self._packets = container.demux()
            if self._started is not None:
                # reconnected after the first connection's clean end: the same start again is a
                # file read whole (see _read_again), none of its frames delivered twice
                while len(self._opening) < len(self._started) and self._pull():
                    pass
                if self._opening == self._started and self._started_cut:
                    # a file the first connection of which was cut short: read again past the
                    # frames delivered (see _read), given up where cut at the same point again
                    self._as_file("asked for again after it was cut short, it started again from its start")
                    self._resume_after = self._last_src
                    # (its times those delivered: not a live stream's that goes on after the last)
                    self._pts_offset, self._first_pts, self._anchored_at = self._anchor
                elif self._opening == self._started:
                    self._again = True
                    return
                self._started = None
            packets: Iterator[Any] = iter(self._next_packet, None)
        elif len(container.streams) <= 1:  # (every packet is the video's: PyAV's timeout is it)
            yield from container.decode(stream)
            return
        else:
            packets = container.demux()
        limit = first_within
        due = time.monotonic() + limit
        for packet in packets:
            if packet.stream.index == stream.index:
                for frame in packet.decode():
                    yield frame
                    limit = self.cfg.read_timeout
                    due = time.monotonic() + limit
            # (packets read ahead came before: their time is not the stall's)
            if len(container.streams) > 1 and time.monotonic() > due and not self._ahead:
                raise TimeoutError(f"no frame for {limit:g} s")

    def _open_srt(self, opts: dict[str, str], open_timeout: float) -> Any:
        """srt://: ffmpeg receives and copies the MPEG-TS bytes to a pipe that PyAV demuxes."""
        try:
            ffmpeg_for_srt()
        except RuntimeError as exc:
            raise VideoOpenFailure(f"{self.safe_url}: {exc}") from None
        self._stop_bridge()
        self._srt_refusal = None
        if input_listens(self.url):
            try:  # (an address it cannot listen on, said as tcp://...?listen=1 says it)
                check_listener_address(self.url)
            except socket.gaierror:
                pass  # (a name that does not resolve: ffmpeg's own line says it in words)
        bridge = FfmpegBridge(self.url, input_args(self.url, open_timeout, self.cfg.read_timeout),
                              writing=False)
        self._bridge = bridge
        if self._closed:  # closed while the bridge started (a signal during the open)
            self._stop_bridge()
            raise VideoOpenFailure(f"{self.safe_url}: closed while opening")
        reader = PipeReader(bridge, self.cfg.read_timeout, stop=self._stop)
        reader.deadline = time.monotonic() + open_timeout
        opts = {k: v for k, v in opts.items() if k != "mode"}
        try:
            container = self._open(reader, mode="r", format="mpegts", options=opts, metadata_errors="ignore")
            if reader.error is not None:  # (the stream's streams found before it failed)
                container.close()
                raise reader.error
        except BaseException as exc:
            # (a listener's: a caller it turned away, said instead of the silence it waited out)
            self._srt_refusal = bridge.refusal()
            self._stop_bridge()
            if reader.error is not None and isinstance(exc, Exception):
                raise reader.error from None  # (what ended the read, given to PyAV as EOF)
            raise
        reader.deadline = None      # from now on: the stall timeout per read
        self._srt_reader = reader
        return container

    def _stop_bridge(self) -> None:
        self._srt_reader = None
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.close()

    def _disconnect(self) -> None:
        self._chunks.stop()
        self._frames = self._packets = self._pending_exc = self._stalled_at = None
        self._ahead.clear()
        self._ahead_bytes, self._ahead_end = 0, None
        if self._container is not None:
            try:
                self._container.close()
            except Exception:  # closing a broken connection may fail; nothing to save
                pass
            self._container = None
        self._stop_bridge()

    def open(self) -> "StreamSource":
        if self._container is not None:
            return self
        if threading.current_thread() is not threading.main_thread():
            # (marked as waiting in FFmpeg, as the helper below is: a close() from another thread
            # made this open wait out video.open_timeout -- 20 s on a silent udp:// -- before
            # it said 'closed while opening')
            with self._io():
                self._open_now()
            if self._closed:  # given up on meanwhile: nobody will read it
                self._disconnect()
            return self
        # from the main thread, in a helper thread: FFmpeg's open blocks for up to
        # video.open_timeout, and a signal (Ctrl-C, SIGTERM) is handled only between the main
        # thread's Python steps -- here at once, not after the timeout (nor inside PyAV's
        # read callback of an srt:// bridge, which would swallow it)
        box: dict[str, BaseException] = {}

        def work() -> None:
            # (holding the read lock: a close() meanwhile does not close the container under it;
            # it stops the srt:// bridge instead, and this thread cleans up)
            with self._reading, self._io():
                try:
                    self._open_now()
                except BaseException as exc:  # handed to the main thread
                    box["exc"] = exc
                else:
                    if self._closed:  # given up on meanwhile: nobody will read it
                        self._disconnect()

        # (a Worker: a signal that interrupts the wait does not make it look ended -- join(1.0)
        # below would not wait, and the CLI's exit would let it back into a dying interpreter)
        helper = Worker(target=work, name=OPEN_THREAD, daemon=True)
        helper.start()
        try:
            while helper.is_alive():
                helper.join(0.05)
        except BaseException:
            self.close()  # (an srt:// bridge is stopped: its pipe ends, the helper returns)
            helper.join(1.0)
            raise
        if "exc" in box:
            raise box["exc"]
        return self

    def _silent(self) -> str:
        """What an open that waited out its time got: UDP has no answer to give, only data that
        comes or does not; a listener (tcp:// ?listen, srt:// mode=listener) waits for its sender
        to connect (it was "no answer", as if livecut had called a server)."""
        if url_scheme(self.url) == "udp":
            return "no data"
        return "no sender connected" if input_listens(self.url) else "no answer"

    def _open_now(self) -> None:
        t0 = time.monotonic()
        try:
            self._connect()
        except VideoOpenFailure:
            raise
        except av.error.ProtocolNotFoundError:
            raise VideoOpenFailure(f"{self.safe_url}: this PyAV/FFmpeg build cannot read "
                                   f"{self.url.split(':', 1)[0]}:// (protocol not compiled in)") from None
        except (av.error.FFmpegError, OSError) as exc:
            waited = time.monotonic() - t0
            if self._stop.is_set():  # (the open was interrupted: not the server's silence)
                msg = f"{self.safe_url}: {'closed' if self._closed else 'stopped'} while opening"
            elif isinstance(exc, av.error.ExitError) or waited >= self.cfg.open_timeout * 0.95:
                msg = f"{self.safe_url}: {self._silent()} within {self.cfg.open_timeout:g} s"
                if refused := self._srt_refusal:
                    msg += f" ({refused})"
                elif plain := self._plain_behind_tls():
                    msg = f"{self.safe_url}: {plain}"
            elif refused := self._tls_refusal(exc):
                msg = (f"{self.safe_url}: {refused} (a camera with a self-signed certificate: "
                       "--set video.tls_verify=false)")
            elif plain := self._not_tls(exc):
                msg = f"{self.safe_url}: {plain}"
            elif cut := self._cut_at_tls(exc):
                msg = f"{self.safe_url}: {cut}"
            elif tls := self._answers_tls(exc):
                msg = f"{self.safe_url}: {tls}"
            elif rtsp := self._answers_rtsp(exc):
                msg = f"{self.safe_url}: {rtsp}"
            elif getattr(exc, "errno", None) == errno.EIO and (
                    unknown := unknown_host(self.url, min(5.0, self.cfg.open_timeout))):
                msg = f"{self.safe_url}: cannot open the stream: {unknown}"
            elif page := self._web_page(exc):
                msg = f"{self.safe_url}: {page}: give the address of its video stream (a camera's manual names it)"
            else:
                msg = (f"{self.safe_url}: cannot open the stream: "
                       f"{self._transport_refused(exc) or self._answered(exc) or self._segment_failed(exc) or self._login_refused(exc) or _reason(exc)}")
            raise VideoOpenFailure(msg) from None
        if not self.info.width or not self.info.height:
            # size unknown until the first frame: decode it now (kept for read()), within
            # what is left of open_timeout (FFmpeg's waits, an srt:// pipe's reads)
            reader, due = self._srt_reader, t0 + self.cfg.open_timeout
            if reader is not None:
                reader.deadline = due
            try:
                with _open_deadline(max(0.0, due - time.monotonic())):
                    first = self._first_frame(due)
            finally:
                if reader is not None:
                    reader.deadline = None
            self.info.width, self.info.height = first.width, first.height
            self._pending = first
        else:
            self._peek()
        if self._pending is not None:
            self._take_display(self._pending)
        self._take_sample_aspect()
        # (a live run mostly ends by Ctrl-C, without the summary's warnings: said here too)
        # (a phone's portrait clip said its stored size, 320x180, as the picture's: shown 180x320)
        turned = self.info.rotation in (90, 270)
        log.info("opened %s: %dx%d%s%s%s%s", self.safe_url, *((self.info.height, self.info.width) if turned
                                                             else (self.info.width, self.info.height)),
                 f" (stored {self.info.width}x{self.info.height}, turned {self.info.rotation} degrees)"
                 if self.info.rotation else "",
                 f" @ {fps_text(self.info.fps)} fps" if self.info.fps else "",
                 " (video only: its audio is not carried)" if self.has_audio else "",
                 " (its certificate not checked: no CA certificates found)" if self._unchecked else "")

    def _peek(self) -> None:
        """Decode the connection's first frame now, kept for read(), for what it says of the
        picture (see _take_display); a read that fails is kept for read() too, which says it
        (or reconnects) as it did before the open looked."""
        try:
            with self._chunks.reading():
                self._pending = next(self._frames)  # type: ignore[arg-type]
        except Exception as exc:  # (StopIteration, FFmpeg's errors, a stall)
            self._pending_exc = exc

    def _take_display(self, frame: Any) -> None:
        """``frame``'s display rotation (a phone's portrait clip over HTTP, stored sideways) into
        :attr:`info`, as a file's first frame gives it: turned upright alike (it was written and
        shown sideways).  One that is no quarter turn, or a display matrix that mirrors the
        picture, is refused, as a file's is."""
        from livecut.sources.file import _mirrored

        rotation = int(getattr(frame, "rotation", 0) or 0)
        if rotation % 90:
            self._disconnect()
            raise VideoOpenFailure(f"{self.safe_url}: the video has a display rotation of {rotation} degrees; "
                                   "livecut turns a video by quarter turns only (0, 90, 180 or 270)")
        if _mirrored(frame):
            self._disconnect()
            name = PurePosixPath(urlsplit(self.url).path).name
            fixed = f"{PurePosixPath(name).stem or 'stream'}-upright{PurePosixPath(name).suffix or '.mkv'}"
            raise VideoOpenFailure(f"{self.safe_url}: the video's display matrix mirrors it (as a front camera's "
                                   "can); livecut turns a video but does not mirror it: make it as shown first, "
                                   f"ffmpeg -i {shlex.quote(self.safe_url)} -c:a copy {shlex.quote(fixed)}")
        self.info.rotation = rotation

    def _take_sample_aspect(self) -> None:
        """The first connection's pixel shape (sample aspect ratio) into :attr:`info`, as a
        file's gives it: non-square pixels (a TV channel's 720x576 16:9 over IPTV, pixels 64:45)
        are written so, or scaled to square where an output cannot say them (they were written
        square: the picture shown squeezed, 5:4)."""
        try:
            stream = self._container.streams[self._video_index]
            sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
        except (AttributeError, IndexError, TypeError):
            return
        if sar and sar > 0 and sar != 1:
            self.info.sample_aspect = Fraction(sar)

    def _first_frame(self, due: float) -> Any:
        """The connection's first frame, by ``due`` (time.monotonic()).  A live stream joined
        between key frames (UDP, SRT: up to 10 s apart with x264's default) gives undecodable
        packets until the next one: skipped until then (a new decode goes on from the next
        packet; a generator that raised is spent)."""
        while True:
            try:
                with self._chunks.reading():
                    return next(self._frames)  # type: ignore[arg-type]
            except av.error.InvalidDataError as exc:
                if time.monotonic() < due and self._container is not None:
                    self._frames = self._decoded(self._container, self._container.streams.video[0],
                                                 due - time.monotonic())
                    continue
                self._disconnect()
                raise VideoOpenFailure(f"{self.safe_url}: no video frame ({_reason(exc)}){self._index_hint()}") from None
            except (StopIteration, av.error.FFmpegError, OSError) as exc:
                self._disconnect()
                reason = "it ended" if isinstance(exc, StopIteration) else _reason(exc)
                if reason == "timed out" and url_scheme(self.url) == "rtsp" and self.rtsp_transport == "udp":
                    # (the server took the SETUP and the PLAY, and no RTP packet came: one that a
                    # firewall or NAT on the way drops, where TCP goes through)
                    reason += ": nothing came over UDP, which a firewall or NAT may drop: try --rtsp-transport tcp"
                # (an MP4 whose index does not give the picture's size, MPEG-4 part 2 as OpenCV's
                # 'mp4v' writes, is decoded here, within the open: it failed without the hint)
                raise VideoOpenFailure(f"{self.safe_url}: no video frame ({reason}){self._index_hint()}") from None

    def _index_hint(self) -> str:
        """What a file over HTTP that opens and gives no frame is said with where it is an MP4
        (its index at its end, from a server without byte ranges: FFmpeg's 'Input/output error'
        as Python's http.server answers its seek back to the frames, or undecodable data); ''
        for another."""
        if self.finite and self.url.lower().split("?")[0].split("#")[0].endswith((".mp4", ".m4v", ".mov")):
            return (": an MP4 read over HTTP needs its index at the start (ffmpeg -movflags +faststart) or a "
                    "server that answers byte ranges")
        return ""

    def _transport_refused(self, exc: BaseException) -> str | None:
        """Why the open failed, when an RTSP server refused the transport asked (see
        transport_refused): FFmpeg's "Protocol not supported"; None otherwise."""
        scheme = url_scheme(self.url)
        if scheme not in ("rtsp", "rtsps") or getattr(exc, "errno", None) != errno.EPROTONOSUPPORT:
            return None
        # (rtsps://: TCP whatever rtsp_transport, as FFmpeg reads it)
        return transport_refused(scheme, "tcp" if scheme == "rtsps" else self.rtsp_transport,
                                 "--rtsp-transport {}")

    def _answered(self, exc: BaseException) -> str | None:
        """Why the open failed, when an RTSP server refused it with an answer FFmpeg says only by
        its class ("Server returned 5XX Server Error reply", "... 4XX Client Error, but not one of
        40{0,1,3,4}"): the server's, "the server answered 503 Service Unavailable"; None otherwise."""
        if not isinstance(exc, (av.error.HTTPServerError, av.error.HTTPOtherClientError)) or not self._chunks.answer:
            return None
        return f"the server answered {self._server_words(self._chunks.answer)}"

    def _login_refused(self, exc: BaseException) -> str | None:
        """Why the open failed, when the server asked for a login (401): FFmpeg says "Server
        returned 401 Unauthorized (authorization failed)" whether the address gave none (a
        camera's, typed without it) or the one given was refused; which, and how to give one."""
        if not isinstance(exc, av.error.HTTPUnauthorizedError):
            return None
        try:
            parts = urlsplit(self.url)
        except ValueError:
            return None
        if parts.username is not None:
            return "the server answered 401 Unauthorized: the user or password given was refused"
        return ("the server answered 401 Unauthorized: it asks for a login, and the address gives none "
                f"({url_scheme(self.url)}://<user>:<password>@{redact_text(parts.netloc)}/...)")

    def _server_words(self, text: str) -> str:
        """``text``, a server's words quoted in a message (an RTSP refusal's reason phrase, an HTTP
        error's), without the URL's secrets: one may quote the stream's token or login ("503 token
        TOKEN in use"), which the error said to an application as the server did (only the command
        line's stderr hid it)."""
        return scrub_message(text, url_secrets(self.url))

    def _segment_failed(self, exc: BaseException) -> str | None:
        """Why the open failed, when an HLS playlist's first segment could not be loaded (FFmpeg
        says "Invalid data found when processing input", as of a playlist that is no video): the
        segment's name (the last part of its path: its address may hold a token) and the HTTP
        error met, "its first segment x0.ts could not be read (HTTP error 404 File not found)",
        or FFmpeg's error (a segment that is no video)."""
        seg = self._chunks.segment
        if seg is None:
            return None
        why = self._server_words(self._chunks.segment_error) if self._chunks.segment_error else _reason(exc)
        return f"its first segment {_segment_name(seg)} could not be read ({why})"

    def _start_skipped(self) -> str:
        """What an HLS file lacks whose first segments FFmpeg could not load and passed over in
        silence, its frames starting at the next one (those of a segment missing further on are
        missed by their times, see _missing: here no frame came before): the segments' names
        (the last part of their paths: their addresses may hold a token), and the HTTP error met."""
        names = [_segment_name(x) for x in self._chunks.skipped]
        why = f" ({self._server_words(self._chunks.skipped_error)})" if self._chunks.skipped_error else ""
        if len(names) == 1:
            return (f"{self.safe_url}: its first segment {names[0]} could not be read{why}: passed over, the "
                    "output starts at the next one")
        return (f"{self.safe_url}: its first {len(names)} segments ({names[0]} to {names[-1]}) could not be "
                f"read{why}: passed over, the output starts after them")

    def _web_page(self, exc: BaseException) -> str | None:
        """Why the open failed, when an http(s):// address answered with a web page (see
        web_page): only for the error FFmpeg gives then, not for an HLS playlist's segment."""
        if (not isinstance(exc, av.error.InvalidDataError) or self._chunks.segment is not None
                or self._stop.is_set()):
            return None
        return web_page(self.url, min(5.0, self.cfg.open_timeout), self._tls)

    def _tls_refusal(self, exc: BaseException) -> str | None:
        """Why the open failed, when it failed on the server's certificate (see tls_refusal)."""
        if not self._tls or getattr(exc, "errno", None) != errno.EIO or self._stop.is_set():
            return None
        return tls_refusal(self.url, self._tls["ca_file"], min(5.0, self.cfg.open_timeout))

    def _not_tls(self, exc: BaseException) -> str | None:
        """Why the open failed, when a TLS input's server answered without TLS (see not_tls)."""
        if (url_scheme(self.url) not in TLS_PORTS or getattr(exc, "errno", None) != errno.EIO
                or self._stop.is_set()):
            return None
        return not_tls(self.url, min(5.0, self.cfg.open_timeout))

    def _cut_at_tls(self, exc: BaseException) -> str | None:
        """Why the open failed, when an rtmps:// (rtsps://) input's server reset the connection at
        the TLS handshake (FFmpeg said "Connection reset by peer"), as a plain RTMP server does to a
        ClientHello (a plain RTSP server may too): one that answers an RTMP handshake (an RTSP
        OPTIONS) is said not to answer in TLS (see not_tls_text), one that cannot be asked (gone,
        as ffmpeg -listen 1 is after its one connection) to have cut the handshake off (see
        cut_at_tls_text).  (rtsps://: FFmpeg's tls said the reset, after the TCP connection; as it
        does for one after the handshake too, the cut is said only where no handshake can be made.)"""
        scheme = url_scheme(self.url)
        if scheme not in ("rtmps", "rtsps") or self._stop.is_set() or getattr(exc, "errno", None) != errno.ECONNRESET:
            return None
        if not (self._chunks.tls_cut if scheme == "rtmps" else self._chunks.tls_failed and self._chunks.tcp_connected):
            return None
        if answers_plain(self.url, min(5.0, self.cfg.open_timeout)):
            return not_tls_text(scheme)
        if scheme == "rtsps":
            try:  # (a TLS server that reset the connection after the handshake: not said so)
                _handshake(_tls_address(self.url), min(2.0, self.cfg.open_timeout))
                return None
            except (OSError, ValueError, TypeError):
                pass
        return cut_at_tls_text(scheme)

    def _plain_behind_tls(self) -> str | None:
        """Why the open timed out, when an rtmps:// (rtsps://) input's server took the connection and
        left its TLS handshake unanswered, as a plain RTMP server that waits for the rest of an RTMP
        handshake's 1537 bytes does (nginx-rtmp), or a plain RTSP server for a request's blank line:
        it answers one (an OPTIONS) at once (see answers_plain).  It said "no answer within 10 s"."""
        scheme = url_scheme(self.url)
        if (scheme not in ("rtmps", "rtsps") or (scheme == "rtmps" and not self._chunks.tls_cut)
                or not self._chunks.tcp_connected or self._stop.is_set()):
            return None
        return not_tls_text(scheme) if answers_plain(self.url, min(2.0, self.cfg.open_timeout)) else None

    def _answers_tls(self, exc: BaseException) -> str | None:
        """Why the open failed, when a plain input's server answered in TLS (see answers_tls):
        only for the errors FFmpeg gives then (the server's TLS alert or close, read as RTSP, HTTP
        or RTMP: the host was found and connected to), not for a refused connection or an
        unknown host (whose look-up is not asked again: see unknown_host)."""
        if url_scheme(self.url) not in PLAIN_PORTS or self._stop.is_set() or not (
                isinstance(exc, av.error.InvalidDataError)
                or getattr(exc, "errno", None) in (errno.ECONNRESET, errno.EPIPE)):
            return None
        return answers_tls(self.url, min(5.0, self.cfg.open_timeout),
                           describe=isinstance(exc, av.error.InvalidDataError))

    def _answers_rtsp(self, exc: BaseException) -> str | None:
        """Why the open failed, when an http:// input's server answers in RTSP (a camera's rtsp://
        address typed as http://): FFmpeg reads its answer to the GET as an HTTP status ("Server
        returned 5XX Server Error reply", "400 Bad Request"), or as no HTTP at all ("Invalid data
        found when processing input").  Asked as answers_tls asks an rtsp:// server: a plain
        OPTIONS, whose answer an RTSP server gives in RTSP (an HTTP server in HTTP)."""
        if url_scheme(self.url) != "http" or self._stop.is_set() or not isinstance(exc, (
                av.error.HTTPServerError, av.error.HTTPBadRequestError, av.error.HTTPOtherClientError,
                av.error.InvalidDataError)):
            return None
        address = _tls_address(self.url)
        if address is None or _rtsp_exchange(address, min(5.0, self.cfg.open_timeout), "*") != "rtsp":
            return None
        return "the server answers RTSP (is it an rtsp:// address?)"

    @contextlib.contextmanager
    def _io(self):
        """Marks the calling thread as one that may wait in FFmpeg for this source: a stop()
        or close() meanwhile makes that wait give up at once (see _InterruptibleClock)."""
        me = threading.get_ident()
        with self._io_lock:
            if me in self._io_threads:  # (an open inside a read: the read's mark stands)
                nested = True
            else:
                nested = False
                self._io_threads.add(me)
                if self._stop.is_set():
                    _ABORTED.add(me)
        if nested:
            yield
            return
        try:
            yield
        finally:
            with self._io_lock:
                self._io_threads.discard(me)
                _ABORTED.discard(me)

    def _abort_io(self) -> None:
        with self._io_lock:
            _ABORTED.update(self._io_threads)

    def close(self) -> None:
        """Close; safe from another thread while read() blocks (the reader then closes it)."""
        self._closed = True
        self._stop.set()
        self._abort_io()  # (a read or an open waiting in FFmpeg gives up now)
        if not under_lock(self._reading, 0.5, self._disconnect):
            # read() is blocked in FFmpeg (bounded by the timeouts); it disconnects on return
            bridge = self._bridge
            if bridge is not None:
                bridge.terminate()   # srt://: its pipe ends now, so read() returns soon

    def stop(self) -> None:
        """Ask a read() waiting for data or on a reconnection to give up (thread-safe)."""
        self._stop.set()
        self._abort_io()

    def __reduce__(self):
        # (a process pool or joblib given the source: a bare TypeError from deep inside, the
        # password of its URL kept out)
        refuse_pickle(self.safe_url, "its URL")

    def __enter__(self) -> "StreamSource":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ reading

    _pending: Any = None
    #: the open's look at the first frame failed (see _peek): raised by the first read
    _pending_exc: BaseException | None = None

    def _next_av_frame(self) -> Any:
        """The next decoded frame of the current connection; raises _Lost or StopIteration."""
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        if self._frames is None:
            raise _Lost("not connected")
        t0 = time.monotonic()
        try:
            if self._pending_exc is not None:
                exc, self._pending_exc = self._pending_exc, None
                raise exc
            if self._stalled_at is not None:
                since, self._stalled_at = self._stalled_at, None
                raise _Lost(f"no frame for {self.cfg.read_timeout:g} s", quiet_since=since)
            with self._chunks.reading():
                frame = next(self._frames)
            if self._rtsp and time.monotonic() - t0 >= self.cfg.read_timeout:
                # the frame FFmpeg's parser held, given when the read timeout ended the wait of a
                # stream that stopped sending; its RTSP reads do not fail for good, as an
                # MPEG-TS's do: the next one waited a whole read timeout again (the loss noticed
                # after twice video.read_timeout, the give-up counted from this frame)
                self._stalled_at = t0
            return frame
        except StopIteration:
            raise
        except av.error.ExitError:
            raise _Lost(f"no frame for {self.cfg.read_timeout:g} s",
                        quiet_since=time.monotonic() - self.cfg.read_timeout) from None
        except (av.error.FFmpegError, OSError) as exc:
            if self._rtsp and time.monotonic() - t0 >= self.cfg.read_timeout:
                # an RTSP camera that stopped sending within a frame (its server hung mid-packet):
                # the read timeout ended the wait, and the part of the frame FFmpeg held failed to
                # decode -- the stall was said as damaged data, "lost (Invalid data found when
                # processing input)"
                raise _Lost(f"no frame for {self.cfg.read_timeout:g} s", quiet_since=t0) from None
            if self._arrival_time and (self._chunks.on and self._chunks.whole or self._parts_ended(exc)):
                # an HTTP MJPEG camera's server that ended the stream (its last chunk sent):
                # FFmpeg's mpjpeg reader fails at the end of its data, "Invalid data found when
                # processing input", which read as damaged data
                raise StopIteration from None
            if (getattr(exc, "errno", None) == errno.EIO and self._chunks.on and self._chunks.closed
                    and not self._chunks.whole and self._container is not None):
                # an answer sent without its size, not chunked, that the server ended by closing
                # the connection (an HTTP/1.0 server's): its end, as a chunked answer's last
                # chunk is (a file so sent was taken for a live stream lost, and read again for
                # ever); the frames the decoder holds are delivered first
                self._chunks.whole, self._ended_by = True, "close"
                self._frames = iter(self._held_frames())
                return next(self._frames)
            lost = _Lost(_reason(exc), unreadable=isinstance(exc, av.error.InvalidDataError))
            if getattr(exc, "errno", None) == errno.EIO and self._end_at is not None and self._container is not None:
                # a file over HTTP of known duration failed: the frames the decoder holds are
                # delivered first -- it may have come whole, its end the server's close (see
                # _ended_at_its_end)
                held = self._held_frames()
                if held:
                    self._frames = _then_raise(held, lost)
                    return next(self._frames)
            raise lost from None

    def _parts_ended(self, exc: BaseException) -> bool:
        """Whether FFmpeg's mpjpeg reader failed for want of the next part: an MJPEG camera's
        connection that closed after a part and the next one's boundary, without a last chunk
        (its server killed, as `ffmpeg -f mpjpeg -listen 1` sends it: at a chunk's end FFmpeg's
        http ends as quietly as at a whole answer's end), fails in the reader as "Invalid data
        found when processing input", which read as damaged data.  A JPEG that cannot be
        decoded fails in the decoder (its error names avcodec_send_packet()), said as it was;
        a part's headers damaged, the connection open, fail as the end does (FFmpeg says
        nothing more of either): the stream is reconnected to all the same."""
        container = self._container
        return (isinstance(exc, av.error.InvalidDataError) and container is not None
                and container.format.name == "mpjpeg" and getattr(exc, "filename", None) == container.name)

    def _held_frames(self) -> list:
        """The frames the connection's decoder holds (its flush), after its packets failed."""
        stream = self._container.streams.video[self._video_index]
        try:
            held = stream.codec_context.decode(None)
        except (av.error.FFmpegError, OSError, ValueError):
            return []
        for frame in held:  # (a frame of the decoder's flush has no time base of its own)
            frame.time_base = stream.time_base
        return held

    def _ended_at_its_end(self) -> bool:
        """Whether a file over HTTP of known duration, lost, had come whole: its last frame
        delivered is its last (a server that sends it without its size, not chunked -- an
        HTTP/1.0 server's -- ends it by closing the connection, which FFmpeg fails as
        "Input/output error": it was read again past its end and given up, exit 3)."""
        return (self._end_at is not None and self._seen is not None and self._resume_after is None
                and self._seen + 1.5 * self._step >= self._end_at)

    def _reconnect(self, reason: str) -> bool:
        """Reconnect with backoff; False when told to stop or past the give-up limit."""
        self._disconnect()
        # video.reconnect_limit counts the seconds without a frame: from the last one delivered
        # (the loss itself was noticed up to video.read_timeout later)
        if self._last_frame_at is None and self._dry_since is None:
            self._dry_since = time.monotonic()
        t0 = self._dry_since if self._last_frame_at is None else self._last_frame_at
        if self._last_frame_at is not None and self._quiet_since is not None:
            # FFmpeg's MPEG-TS reader holds a stream's last frame until the next packet comes: at
            # a stall it comes with the read timeout, read_timeout after the stream went quiet
            # (counted from that frame, a 7.7 s gap was said as 2.7 s)
            t0 = min(t0, self._quiet_since)
        limit = self.cfg.reconnect_limit
        attempt = 0
        was_live = not self.finite  # (an attempt that failed may have found a file: see below)
        # a live HLS/DASH stream that FFmpeg ended: most likely its encoder finished (the playlist
        # closed), a normal end, said in one line once known (see below); its first attempts
        # (the first may fail at its seek) are not said as a loss
        ended = was_live and self._replays and reason == ENDED
        while not self._stop.is_set():
            delay = self.backoff[min(attempt + self._dry_attempts, len(self.backoff) - 1)]
            attempt += 1
            if limit and time.monotonic() - t0 + delay > limit:
                log.warning("stream %s: giving up after %.0f s without a frame", self.safe_url,
                            time.monotonic() - t0)
                self.lost = f"{reason}; gave up after {time.monotonic() - t0:.0f} s without a frame"
                return False
            level = logging.DEBUG if ended and attempt <= 2 else logging.INFO
            if attempt == 1:
                log.log(level, "stream %s lost (%s); reconnecting in %.2g s",
                        self.safe_url, reason, delay)
            else:
                log.log(level, "stream %s: reconnect attempt %d failed (%s); retrying in %.2g s",
                        self.safe_url, attempt - 1, reason, delay)
            if self._stop.wait(delay):
                return False
            # a file over HTTP: carry on after the last frame delivered (see _connect, _read); a
            # live HLS/DASH stream too, which comes back as a file when its encoder finished
            # (the playlist closed: FFmpeg ended it), read from its start
            self._resume_after = self._last_src if self.finite or self._replays else None
            # an attempt may not outlast video.reconnect_limit (one that hangs would hold the
            # run for a whole video.open_timeout past it)
            wait = self.cfg.open_timeout
            if limit:
                wait = min(wait, max(0.5, limit - (time.monotonic() - t0)))
            tried = time.monotonic()
            try:
                self._connect(wait)
            except (av.error.FFmpegError, OSError, VideoOpenFailure) as exc:
                if refused := refusal(exc):  # (not retried: the same answer until the limit)
                    log.warning("stream %s: giving up: %s", self.safe_url, refused)
                    self.lost = refused
                    return False
                if not isinstance(exc, VideoOpenFailure) and (
                        isinstance(exc, av.error.ExitError) or time.monotonic() - tried >= wait * 0.95):
                    # (as the first open says it: a server that hangs, its host still taking the
                    # connection, ran each attempt to its wait, said as FFmpeg's "Invalid data
                    # found when processing input" -- RTSP's -- or "timed out")
                    # (an attempt cut short by video.reconnect_limit, the last: its wait is no
                    # limit of the stream's -- "no sender connected within 3.1 s; gave up after
                    # 25 s", where each attempt before said "within 10 s")
                    reason = (self._silent() if wait < self.cfg.open_timeout
                              else f"{self._silent()} within {round(wait, 1):g} s")
                    if self._srt_refusal:
                        reason += f" ({self._srt_refusal})"
                else:
                    reason = (self._tls_refusal(exc) or self._transport_refused(exc) or self._answered(exc)
                              or _reason(exc))
                continue
            self.reconnects += 1
            self._dry_attempts += attempt  # (reset by the next frame delivered)
            if ended and self.finite:
                log.info("stream %s ended (its playlist closed)", self.safe_url)
            else:
                log.info("stream %s reconnected after %.1f s%s", self.safe_url, time.monotonic() - t0,
                         f" ({ENDED})" if ended and attempt <= 2 else "")
            if not self.finite:  # a live stream (a file's own timestamps go on where they were)
                # HLS/DASH start again a few segments behind the live edge: the frames already
                # delivered are skipped (a dead encoder's playlist was replayed at each reconnection)
                self._resume_after = self._last_src if self._replays else None
                if self._last_pts is not None:  # keep timestamps increasing across the cut
                    self._pts_offset = self._after_last()
                    self._first_pts = None
            elif was_live:
                # the broadcast, finished, as a file (its times those delivered): its frames
                # after the last one delivered, then its end -- the end of the run, not a loss.
                # (Taken for a new stream, the whole recording was delivered again.)
                self._live_ended = True
            return True
        return False

    def read(self) -> Frame | None:
        """The next frame, or ``None`` at the end (closed, finite stream ended, gave up)."""
        if self._index == 0 and self._container is None and self._pending is None and not self._closed:
            # not opened yet: opened here, before the read lock is taken (from the main thread the
            # open runs in a helper thread that takes it: the two waited on each other for ever)
            self.open()
        with self._reading, self._io():
            if self._closed:
                self._disconnect()
                return None
            frame = self._read()
            if self._closed:
                self._disconnect()
            return frame

    def _read(self) -> Frame | None:
        if self._container is None and self._pending is None:
            if self._index == 0:
                self.open()
            elif not (self.reconnect and self._reconnect("not connected")):
                return None
        while not self._stop.is_set():
            unreadable = ended = False
            try:
                frame = self._next_av_frame()
            except StopIteration:
                if self._chunks.on and self._chunks.whole and self._ended_by is None:
                    self._ended_by = "chunk"  # (its last chunk came: see _unsized)
                if self.holding and self._chunks.on and not self._chunks.whole and not self._again:
                    # an answer without its size that ended before its last chunk: cut short (a
                    # file's frames so far kept, read again past them, or given up: see _cut_again)
                    reason = CUT_CHUNKED
                    if self.probation:  # (its pace as _sent_whole and _read_again judge it)
                        took, plays = time.monotonic() - self._connected_at, self._count * self._step
                        if _faster(plays, took):
                            self._as_file(f"its frames came faster than they play ({plays:.0f} s of video in "
                                          f"{took:.1f} s), and it was cut short")
                        else:
                            self._arm(cut=True)
                elif self.finite and self._seeked and not self._came and not self._replays:
                    # no frame after the seek: from a server without byte ranges FFmpeg's seek
                    # reads ahead for the point (an MPEG-TS's search) and may read to the end:
                    # the next attempt reads the file from its start, the frames delivered skipped
                    self._seek_resumes = False
                    reason = "its seek read to the file's end"
                elif self.finite:
                    if self._resume_after is not None and not self._live_ended:
                        # reconnected to a file that ends sooner
                        self.lost = "the file ends before the point reached before the reconnection"
                    return None
                elif self._read_again() or self._sent_whole():
                    return None
                else:
                    # (a listener's sender, which may connect again: it was "the server ended
                    # the stream", livecut being the server)
                    reason = ENDED_BY_SENDER if input_listens(self.url) else ENDED
                    self._arm(cut=False)
            except _Lost as exc:
                if self._stop.is_set():  # (stopped: the wait was interrupted, nothing was lost)
                    return None
                reason = str(exc.args[0])
                unreadable = exc.unreadable
                ended = self.finite and self._ended_at_its_end()
                if exc.quiet_since is None and self._frames is not None and self._index == 0:
                    # a connection that opened and failed (not stalled) before its first frame
                    self._failed_opens += 1
                    if self._frames_behind:  # (each connection would fail so: see _connect)
                        self._failed_opens = max(self._failed_opens, FAILED_OPENS)
                if exc.quiet_since is not None and self._last_frame_at is not None:
                    self._quiet_since = min(exc.quiet_since, self._quiet_since or exc.quiet_since)
                if self._seeked and not self._came and not self._replays:
                    # lost before a frame after the seek (from a server without byte ranges
                    # FFmpeg's seek reads ahead for the point, and met where the server stops
                    # sending): the next attempt reads the file from its start
                    self._seek_resumes = False
            else:
                self._came, self._seen = True, frame.time
                self._count += 1
                if self._resume_after is not None:  # read again after a reconnection: skip
                    t = frame.time
                    # (a live stream's frames far behind: a restarted encoder's, not a replay)
                    if t is not None and t <= self._resume_after + 1e-6 and (
                            self.finite or t >= self._resume_after - REPLAY_WINDOW):
                        continue
                    if not (self._seeked and self.finite and t is not None
                            and t > self._resume_after + 1.5 * self._step):
                        self._resume_after = None
                        why = self._missing(frame)
                    else:
                        # the seek landed past the point reached (FFmpeg's in an MPEG-TS, which
                        # has no index: up to a key frame interval of frames went missing): read
                        # the file again from its start instead, the frames delivered skipped
                        self._seek_resumes = False
                        why = f"its seek went {_gap_text(t - self._resume_after)} s past the frame reached"
                else:
                    why = self._missing(frame)
                if why is None and min(frame.width, frame.height) < MIN_SIDE:
                    # (the engine refused it: the run failed, exit 2, and its recording was removed)
                    self.lost = (f"its picture became {frame.width}x{frame.height}; livecut needs at least "
                                 f"{MIN_SIDE}x{MIN_SIDE} pixels")
                    return None
                if why is None:
                    return self._deliver(frame)
                reason = why
            if (self.finite and self._last_frame_at is None and self._index == 0
                    and (unreadable or self._failed_opens >= FAILED_OPENS)):
                # a file over HTTP that opens but gives no frame will not give one on the next
                # try either (an MP4 whose index is at its end, from a server without byte ranges:
                # undecodable data, or FFmpeg's 'Input/output error' as Python's http.server
                # answers its seek back to the frames, each time the same)
                raise VideoOpenFailure(f"{self.safe_url}: cannot read its video ({reason}){self._index_hint()}")
            if ended:
                return None
            if not self.reconnect:
                log.warning("stream %s lost (%s)", self.safe_url, reason)
                self.lost = f"{reason}; video.reconnect is off"
                return None
            if self.finite and self._cut_again(reason):
                return None
            if not self._reconnect(reason):
                return None
        return None

    #: why the stream was given up on ('' while it plays, or when it ended or was stopped normally)
    lost = ""
    #: a file over HTTP reconnected to seeks to the point reached (False once a seek overshot)
    _seek_resumes = True
    _seeked = False  #: the current connection was so seeked
    _came = False    #: the current connection gave a frame
    _seen: float | None = None  #: the source time of the current connection's last frame
    _connected_at = 0.0  #: time.monotonic() when the current connection was asked for
    _made_up: int | None = None  #: a Content-Length taken for made up (see made_up_size)
    _end_at: float | None = None  #: a file over HTTP of known duration: its end (see _connect)
    _count = 0           #: the current connection's frames
    #: a file over HTTP: the last frame before its connection was lost, and how many times in a
    #: row it was lost there (see _cut_again)
    _cut_at: float | None = None
    _cuts = 0
    #: a live HLS/DASH stream whose playlist closed, read since as a file (see _reconnect)
    _live_ended = False
    #: the source time of the last frame before a part of an HLS file found missing (see _missing)
    _gap_at: float | None = None
    #: the source time between the last two frames delivered
    _last_step = 0.0
    #: the source time and index of the last frame whose time was before the one before it,
    #: and the source time a frame since then, up to the last frame whose time moved on (see
    #: _pushed_step)
    _back_at: tuple[float, int] | None = None
    _pace: float | None = None

    def _sent_whole(self) -> bool:
        """Whether a stream over HTTP(S) taken for live that the server ended was a file: one
        whose Content-Length looked made up (see made_up_size) and came whole, or one sent
        without its size (chunked, no Content-Length, an MPEG-TS's duration unknown) whose frames
        came faster than they play -- over :data:`FILE_PACE` times as fast, past a live server's
        first burst (:data:`LIVE_BURST` s of frames it may hold for a new viewer).  Such a file
        was reconnected to at its end and delivered again, for ever.  It ends the run there
        (said in the warnings: it was read as live, the newest frame kept)."""
        if self._replays or self._arrival_time or not self.url.lower().startswith(("http://", "https://")):
            return False
        if self._made_up is not None:
            # a clean end with a Content-Length: all of it came (a live stream's connection ends
            # before it, "Stream ends prematurely": a loss), so the length was a file's
            log.info("stream %s ended: all of its length came (%d bytes): a file", self.safe_url, self._made_up)
            self.warnings.append(f"{self.safe_url}: its length ({self._made_up} bytes) looked made up, as some live "
                                 "servers send: it was read as a live stream, the newest frame kept where the "
                                 "processing fell behind, and ended at its end")
            return True
        took = time.monotonic() - self._connected_at
        plays = self._count * self._step  # (frames, not timestamps: a clock that jumps is no file)
        if not _faster(plays, took):
            return False
        log.info("stream %s ended: a file sent without its size (%.0f s of video came in %.1f s)",
                 self.safe_url, plays, took)
        self.warnings.append(f"{self.safe_url}: a file {self._unsized()}: it was read as a live "
                             "stream, the newest frame kept where the processing fell behind, and ended at its end")
        return True

    #: how an answer without its size was seen to end: "chunk" (its last chunk came), "close"
    #: (not chunked: the server's close ended it, as an HTTP/1.0 server's); None: not yet known
    _ended_by: str | None = None

    def _unsized(self) -> str:
        """How a stream without its size was sent, as its warnings say it: chunked, or not (no
        Content-Length, ended by the server's close), once an answer's end showed which (FFmpeg
        says neither before: "without its size (chunked)" was said of an HTTP/1.0 server's too)."""
        if self._ended_by == "close":
            return "sent without its size (no Content-Length, not chunked: ended by the server's close)"
        return "sent without its size (chunked)" if self._ended_by == "chunk" else "sent without its size"

    def _arm(self, cut: bool) -> None:
        """The first connection of a stream on probation ended (``cut``: before its last chunk):
        where its frames came faster than they play, its start is compared with the next
        connection's (see _read_again)."""
        if (self.probation and self.reconnects == 0 and self._opening
                and self._arrivals * self._step > FILE_PACE * (self._came_by - self._connected_at)):
            self._started, self._started_cut = list(self._opening), cut
            self._anchor = (self._pts_offset, self._first_pts, self._anchored_at)  # (see _video_frames)

    def _read_again(self) -> bool:
        """Whether a stream over HTTP(S) without its size, on probation, was a file read whole:
        its first connection came faster than it plays (over :data:`FILE_PACE` times as fast: a
        live server's burst of its first seconds, or a short file sent at once) and ended cleanly,
        and the next one starts again as it started -- the same first video packets (their times
        and bytes, :data:`OPENING` of them), where a live stream goes on past the point it ended at
        and a new one (a server restarted, at time 0 too) has pictures of its own; a clip looped
        at the pace it plays, each viewer from its start, is a live stream.  A file shorter than a
        live server's first burst (:data:`LIVE_BURST` s, see _sent_whole), sent at once, was taken
        for a live stream that dropped, and reconnected to and delivered again, for ever (a 3 s
        file: 401 frames from 6 requests).  It ends the run there, said in the warnings, none of
        its frames delivered twice."""
        if not self._again:
            return False
        log.info("stream %s ended: a file sent without its size, read whole (asked for again, it starts "
                 "again from its start)", self.safe_url)
        self.warnings.append(f"{self.safe_url}: {self._unsized()} and ended: asked for again, it "
                             "started again from its start: a file, read whole, its end the end")
        return True

    #: a stream over HTTP(S) without its size, not yet known to be live or a file: its frames
    #: are held, none dropped (see _judge)
    probation = False
    #: its frames are not to be dropped (read by the runner): a stream on probation, or one
    #: found to be a file sent without its size
    holding = False
    #: a live connection's first frames are held, none dropped, while the engine catches up with
    #: them (see catching_up); from this frame index on, until this time.monotonic() (None:
    #: CATCH_UP s from its first frame)
    _catching_up = False
    _catch_up_from = 0
    _catch_up_until: float | None = None
    _judged = False        #: a stream on probation was found live or a file (see _judge)
    _sent_as_file = False  #: ... found a file: it is read as one (every frame, its end the end)
    _video_index = 0       #: the index of the current connection's video stream
    _packets: Iterator[Any] | None = None  #: a stream on probation: its connection's packets
    _ahead_bytes = 0       #: the size of the packets read ahead
    #: the end that read_ahead met (StopIteration, or the error raised), given after its packets
    _ahead_end: Any = None
    _arrivals = 0          #: the current connection's video packets, as they came
    #: frames read ahead and skipped, not delivered (counted as dropped by the runner)
    skipped = 0
    _reading_from: float | None = None  #: time.monotonic() of the first of them
    #: a stream on probation whose first connection ended cleanly: that connection's _opening,
    #: to be compared with the next connection's (see _read_again)
    _started: list | None = None
    _again = False  #: ... and the next connection started as it did: a file read whole
    _started_cut = False  #: ... the first connection was cut short (no last chunk: see _ChunkWatch)
    _anchor: tuple = (0.0, None, 0.0)  #: ... and its _pts_offset, _first_pts and _anchored_at
    _came_by = 0.0  #: time.monotonic() of the current connection's last video packet (see _arrived)

    def _next_packet(self) -> Any:
        """The next packet of a stream on probation: the first of those read ahead, else the
        connection's next (None at its end); an error that read_ahead met is raised after the
        packets before it."""
        if self._ahead:
            packet = self._ahead.popleft()
            self._ahead_bytes -= packet.size
            return packet
        if self._ahead_end is not None:
            end, self._ahead_end = self._ahead_end, None
            if end is StopIteration:
                return None
            raise end
        packet = next(self._packets, None)  # type: ignore[arg-type]
        if packet is not None:
            self._arrived(packet)
        return packet

    def read_ahead(self) -> bool:
        """Read the next packet of a stream on probation into memory (not decoded), for the
        runner to call while its queue is full of frames held (see :attr:`holding`): the packets'
        pace is the server's, not the processing's, however slow -- a file sent without its size
        that came as fast as the processing took it looked live.  False when there is nothing to
        do (not on probation, :data:`AHEAD_BYTES` read ahead, the connection's end met)."""
        with self._reading, self._io():
            if (not self.probation or self._packets is None or self._closed or self._stop.is_set()
                    or self._ahead_bytes >= AHEAD_BYTES):
                return False
            return self._pull()

    def _pull(self) -> bool:
        """Read the connection's next packet into those read ahead (see read_ahead); False when
        its end was met before."""
        if self._ahead_end is not None:
            return False
        try:
            with self._chunks.reading():
                packet = next(self._packets)  # type: ignore[arg-type]
        except StopIteration:
            self._ahead_end = StopIteration
        except (av.error.FFmpegError, OSError) as exc:  # (raised where its packets end)
            self._ahead_end = exc
        else:
            self._ahead.append(packet)
            self._ahead_bytes += packet.size
            self._arrived(packet)
        return True

    def _arrived(self, packet: Any) -> None:
        """Count a video packet of a stream on probation as it came, and judge it (see _judge)."""
        if packet.stream.index != self._video_index or not packet.size:
            return
        self._arrivals += 1
        self._came_by = time.monotonic()
        if len(self._opening) < OPENING:
            self._opening.append((packet.pts, packet.dts, packet.size, zlib.crc32(memoryview(packet))))
        if self._reading_from is None:
            self._reading_from = time.monotonic()
        if self.probation:
            self._judge()

    def _judge(self) -> None:
        """End the probation of a stream over HTTP(S) without its size (chunked: no
        Content-Length, no duration) once its frames' pace says what it is.  Taken for live,
        such a file dropped frames wherever the processing was slower than it came (7 of 250
        written, exit 0); taken for a file, a live stream would fall ever further behind.

        Its frames came over :data:`FILE_PACE` times as fast as they play (counted in frames, as
        in _sent_whole: a clock that jumps is no file), past a live server's first burst
        (:data:`LIVE_BURST` s), since it was asked for: a file, read as one -- every frame, its
        end the end of the run.  Not so after :data:`PROBATION` s of reading it: live, the newest
        frame kept from now on, the packets read ahead skipped to the newest key frame (the
        runner drops the frames it holds but the newest), its latency back to a live stream's.
        The packets are counted as they come (read ahead while the runner's queue is full: see
        read_ahead), not as the processing takes them.  Said in the warnings either way."""
        now = time.monotonic()
        took = now - self._connected_at
        plays = self._arrivals * self._step
        if _faster(plays, took):
            self._as_file(f"its frames came faster than they play ({plays:.0f} s of video in {took:.1f} s)")
        elif now - (self._reading_from or now) > PROBATION:
            self.probation, self._judged, self.holding, self.live_buffer = False, True, False, 1
            self._chunks.stop()
            keys = [i for i, p in enumerate(self._ahead) if p.stream.index == self._video_index and p.is_keyframe]
            skipped = 0
            if keys and keys[-1] > 0:  # (the decoder goes on from a key frame)
                for _ in range(keys[-1]):
                    skipped += self._ahead[0].stream.index == self._video_index
                    self._ahead_bytes -= self._ahead.popleft().size
            self.skipped += skipped
            log.info("stream %s: sent without its size at the pace it plays (%.0f s of video in %.1f s): "
                     "read as live%s", self.safe_url, plays, took,
                     f" ({skipped} frames waiting skipped)" if skipped else "")
            self.warnings.append(f"{self.safe_url}: {self._unsized()} at the pace it plays: read as "
                                 "a live stream, the newest frame kept where the processing falls behind")

    def _as_file(self, why: str) -> None:
        """A stream on probation is a file sent without its size (``why``: see _judge, and a
        connection cut short, see _read): read as one, every frame, its end the end."""
        self.probation, self._judged, self._sent_as_file = False, True, True
        self.finite, self.live, self._seek_resumes = True, False, False
        log.info("stream %s: a file sent without its size (%s): read as a file", self.safe_url, why)
        self.warnings.append(f"{self.safe_url}: {self._unsized()}, {why}: read as a file, every frame "
                             "kept, its end the end")

    def _cut_again(self, reason: str) -> bool:
        """Whether to give up on a file over HTTP lost (``reason``) after the same frame as the
        connections before, :data:`CUT_TRIES` times in a row: a server that sends less than its
        Content-Length every time (a truncated file, a proxy's limit) ends each answer there, and
        such a file was asked for again for ever (the run held until Ctrl-C, or for
        video.reconnect_limit).  The run ends with the frames so far, said as a loss (exit 3)."""
        at = self._seen
        if at is None:  # (no frame on this connection: nothing to compare)
            return False
        if self._cut_at is None or abs(at - self._cut_at) > 1e-6:
            self._cut_at, self._cuts = at, 1
            return False
        self._cuts += 1
        if self._cuts < CUT_TRIES:
            return False
        why = (f"it was cut short at the same point, {at - (self._first_pts or 0.0):.2f} s in, {self._cuts} "
               f"times in a row ({reason}): the server does not send the rest of the file")
        log.warning("stream %s: giving up: %s", self.safe_url, why)
        self.lost = why
        return True

    def _missing(self, frame: Any) -> str | None:
        """Why to read an HLS (DASH) file again before ``frame``: a part of it did not come -- a
        segment that stalled, or that the server did not give, which FFmpeg's HLS demuxer
        passes over in silence (55 of 75 frames, exit 0).  Once per place: when the frames are
        still missing there, the run's warnings say so and it goes on.  None: nothing missing."""
        t = frame.time
        if not (self.finite and self._replays) or t is None or self._last_src is None or (
                not self.info.fps and not self._last_step):
            return None
        # (the interval due: the frame rate's, or the last one seen where the rate is unknown)
        step = 1.0 / self.info.fps if self.info.fps else max(1 / 30, self._last_step)
        gap = t - self._last_src - step
        if gap <= HLS_GAP:
            return None
        if self._gap_at != self._last_src and self.reconnect:
            # (with video.reconnect off it is only said: a frame held that long in a variable
            # frame rate, not a part missing, ended the run)
            self._gap_at = self._last_src
            return f"{_gap_text(gap)} s of it did not come"
        missed, self._chunks.missed = self._chunks.missed, []
        if missed:  # (named as the first segments are, see _start_skipped)
            names = [_segment_name(u) for u, _ in missed]
            why = f" ({self._server_words(missed[-1][1])})" if missed[-1][1] else ""
            cause = (f": its segment {names[0]} could not be read{why}" if len(names) == 1 else
                     f": its segments {names[0]} to {names[-1]} could not be read{why}")
        else:
            cause = " (a segment the server did not give, or a frame held that long)"
        self.warnings.append(f"{self.safe_url}: {_gap_text(gap)} s of it is missing after {self._last_pts or 0:.1f} s{cause}")
        if missed:  # (not a frame held that long: the output lacks it)
            self.partial.append(f"{_gap_text(gap)} s of the video")
        return None

    def _after_last(self) -> float:
        """The ``_pts_offset`` that puts the next frame one frame after the last one delivered."""
        return (self._last_pts if self._last_pts is not None else 0.0) + self._step

    @property
    def _step(self) -> float:
        """Seconds between two frames: the frame rate's (1/30 where it is unknown)."""
        return 1.0 / self.info.fps if self.info.fps else 1 / 30

    def _pushed_step(self) -> float:
        """Seconds after the last frame delivered for a frame whose timestamp is not after it:
        the frame rate's (1 ms where it is unknown), or less where the stream's clock, since it
        last stepped back, went on slower than that a frame (_pace).  A splice (the clock a
        frame back, then on at 30 fps after 25) had each later frame put 1/25 s after the last,
        never catching up with its clock: its 4 s after the splice lasted 4.8 s.  A clock that
        only repeats or stalls (whole 1/10 s at 30 fps, two frames a timestamp) catches up with
        its frames and keeps the frame rate's; a step is never made longer (a drift)."""
        step = 1.0 / self.info.fps if self.info.fps else 1e-3
        return step if self._pace is None else min(step, self._pace)

    def _clock_jumped(self, t: float, now: float) -> bool:
        """Whether a live stream's own clock jumped between the last frame delivered and this
        one, at ``t`` (its time) and ``now`` (ours), without a reconnection: a UDP sender
        restarted within video.read_timeout, a camera's clock reset, a discontinuity.  A step
        ahead that the time since the first frame covers is stream lost on the way (a UDP
        overrun after the reader fell behind): that gap is real, not a jump."""
        if not self.live or self._last_src is None or self._last_frame_at is None:
            return False
        if t < self._last_src - TS_JUMP:
            return True
        return (t - self._last_src - (now - self._last_frame_at) > TS_JUMP
                and t - self._first_pts - (now - self._anchored_at) > TS_JUMP)

    def catching_up(self) -> bool:
        """Whether the frames of a live connection's start, which come at once (those sent while
        it opened and the run started), are to be held, none dropped (read by the runner): until
        the engine waited for a frame after one of them (see :meth:`caught_up`), or for
        :data:`CATCH_UP` s from the first (an engine slower than the stream: the newest kept
        from then on, its latency back to a live stream's)."""
        until = self._catch_up_until
        return self._catching_up and (until is None or time.monotonic() < until)

    def caught_up(self, index: int) -> None:
        """The engine, done with frame ``index``, waited for the next (half their interval or more,
        see Pipeline._next_frame): the frames come no faster than it takes them, those of the
        connection's start are all taken."""
        with self._catch_up_lock:
            if index >= self._catch_up_from:
                self._catching_up = False

    def release_frame(self, image: np.ndarray) -> None:
        """Give back a frame the caller is done with: the next is decoded into its buffer (each
        was a new array, a 1080p frame's 6 MB, 25 times a second for as long as the stream ran)."""
        self._pool.give(image)

    def _shape(self, frame: Any) -> Fraction:
        """How much wider the pixels of ``frame``, just decoded, are than the first frame's, the
        output's (see :class:`~livecut.sources.base.PixelShapes`): a TV channel's HD programme
        after its anamorphic SD advert (720x576 16:9, pixels 64:45), a 4:3 advert (16:15) in it."""
        def decoder_sar():
            try:
                return self._container.streams[self._video_index].codec_context.sample_aspect_ratio
            except (AttributeError, IndexError, TypeError):
                return None

        return self._shapes.of(frame, decoder_sar)

    def _as_shown(self, image: np.ndarray, shape: Fraction, *,
                  engine: bool = False) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """``image``, whose pixels are ``shape`` times as wide as the output's, at the output's
        size (the first frame's), scaled to fit as it is shown, centred on black bars, in a buffer
        of the pool (it was fitted by its pixels: an HD picture after an anamorphic SD one shown
        2.5:1 between bars, a 4:3 one stretched), and where it lies in it, ``(y0, y1, x0, x1)``;
        :attr:`warnings` says so once per size and pixel
        shape, the stream's own size named (it was taken across to the output's pixels, a new
        array a frame, and the output said that size, 900x720 for a 1280x720 picture, one the
        stream never had), as :class:`livecut.sources.file.FileSource` says it.  (``engine``: a
        10- or 12-bit frame's undithered picture, which the engine judges, fitted so into a new
        array, the pool and the warnings left alone.)"""
        from livecut.resize import fit_onto_bars, fitted_size

        h, w = image.shape[:2]
        ow, oh = self._out_size
        out = None if engine else self._pool.take((oh, ow, 3))
        if out is None:
            out = np.empty((oh, ow, 3), np.uint8)
        x, y, fw, fh = fitted_size(w * shape, h, ow, oh)
        fit_onto_bars(image, out, (x, y, fw, fh))
        if not engine:
            self._pool.give(image)
            self._shapes.note_fitted(self.warnings, w, h, shape, ow, oh)
        return out, (y, y + fh, x, x + fw)

    def _deliver(self, frame: Any) -> Frame:
        image = self._to_bgr(frame, self._pool.take((frame.height, frame.width, 3)))
        shape = self._shape(frame)
        if self._out_size is None:
            self._out_size = (image.shape[1], image.shape[0])
        fit = None  # (where the picture was fitted onto bars, see Frame.fit)
        # (a 10- or 12-bit frame: the engine judges it undithered, see Frame.engine_image)
        engine_image = self._to_bgr.undithered(frame)
        if shape != 1:
            image, fit = self._as_shown(image, shape)
            if engine_image is not None:  # (fitted so too: a new array, the engine's)
                engine_image = self._as_shown(engine_image, shape, engine=True)[0]
        now = time.monotonic()
        if self._catching_up and self._catch_up_until is None:
            self._catch_up_until = now + CATCH_UP
        t = now if self._arrival_time else frame.time
        if t is not None:
            if self._first_pts is None:
                self._first_pts, self._anchored_at = t, now
            elif self._clock_jumped(t, now):
                # carry on one frame after the last one delivered.  Taken as is, a jump ahead put
                # as long a gap into the output (an hour's jump: an hour of frozen picture in a
                # file), and one back a run of timestamps 1 ms apart where the rate is unknown.
                self._pts_offset = self._after_last()
                self._first_pts, self._anchored_at = t, now
                self.jumps += 1
            if self._last_src is not None:
                self._last_step = t - self._last_src
                if t < self._last_src:  # (a splice: the frame rate is learned again from here)
                    self._back_at, self._pace = (t, self._index), None
                elif t > self._last_src and self._back_at is not None:
                    since, at = self._back_at
                    self._pace = (t - since) / (self._index - at)
            self._last_src = t
            pts = self._pts_offset + (t - self._first_pts)
            if self._last_pts is not None and pts <= self._last_pts + SAME_TIME:
                pts = self._last_pts + self._pushed_step()
        else:
            pts = 0.0 if self._last_pts is None else self._last_pts + self._step
        self._last_pts = pts
        if image.shape[1] != self.info.width or image.shape[0] != self.info.height:
            # the sender changed resolution (after a reconnect): report the new size
            self.info.width, self.info.height = image.shape[1], image.shape[0]
        self._last_frame_at = now
        self._dry_since, self._dry_attempts, self._quiet_since = None, 0, None
        out = Frame(image=image, index=self._index, pts=pts, captured_at=clock(), fit=fit, engine_image=engine_image)
        self._index += 1
        return out


def made_up_size(size: int) -> bool:
    """Whether an HTTP answer's Content-Length of ``size`` bytes is made up: some streaming
    servers send one for a live stream, the largest of a type (2^31-1, 2^32-1, 2^63-1) or all
    nines (999999999999) -- a size of the form 2^k-1 or 10^k-1 from :data:`MADE_UP_FROM` on (a
    live server's must last: a real file of 999999 or 2^20-1 bytes was taken for live) -- or
    one past any file's (over 1 TiB, :data:`MAX_FILE_SIZE`).  (A real file of exactly such a
    size is read as live, and ends at its end: see StreamSource._sent_whole.)"""
    return size > MAX_FILE_SIZE or size >= MADE_UP_FROM and ((size + 1) & size == 0 or set(str(size)) == {"9"})


#: the smallest Content-Length of a made-up form taken for made up (see made_up_size)
MADE_UP_FROM = 10**9 - 1
#: the largest Content-Length taken for a file's (see made_up_size)
MAX_FILE_SIZE = 1 << 40
#: the connections in a row of a file over HTTP lost after the same frame before it is given up
#: (see StreamSource._cut_again)
CUT_TRIES = 3
#: a file over HTTP whose connections open (its index read) and fail before any frame this many
#: times in a row is refused as unreadable (see _read), not reconnected to until reconnect_limit
FAILED_OPENS = 3
#: a stream over HTTP taken for live whose frames came this many times faster than they play
#: (past LIVE_BURST s of them) is a file sent without its size (see StreamSource._sent_whole)
FILE_PACE = 2.0
#: seconds of frames a live server may send at once to a new viewer (its cache of the last key
#: frame's group of pictures)
LIVE_BURST = 5.0
#: seconds of reading a stream over HTTP(S) without its size (see StreamSource._judge) after
#: which, its frames not come over FILE_PACE times as fast as they play, it is live (a file that
#: comes over 3.25 times as fast shows itself by then; one slower is read as live, and ends at
#: its end: see StreamSource._sent_whole)
PROBATION = 4.0
#: the first video packets of a connection compared with the first connection's (see
#: StreamSource._read_again)
OPENING = 8
#: the most memory the packets of a stream on probation read ahead may take
AHEAD_BYTES = 64 << 20
#: the most frames' buffers given back (release_frame) kept for the next frames
POOL_MAX = 8
#: why an answer without its size that ended before its last chunk is lost (see _ChunkWatch)
CUT_CHUNKED = "the server closed the connection before the answer's end (no last chunk)"
#: why a live stream that FFmpeg ended is reconnected to
ENDED = "the server ended the stream"
#: the same of a listener's sender (tcp:// ?listen, srt:// mode=listener), which may connect again
ENDED_BY_SENDER = "the sender ended the stream"
#: demuxers that deliver a live stream a segment at a time (see StreamSource.live_buffer)
BURST_FORMATS = ("hls", "dash")
#: the most memory their frames waiting may take (1080p: 43 frames, 4K: 10)
LIVE_BUFFER_BYTES = 256 << 20
#: seconds from a live connection's first frame that its frames are held at most while the
#: engine catches up with those that came at once (see StreamSource.catching_up)
CATCH_UP = 2.0
#: how far behind the last frame delivered a live HLS/DASH stream read again after a
#: reconnection may start (a few segments); frames older than that are a restarted encoder's
REPLAY_WINDOW = 60.0
#: seconds by which a live stream's clock may run ahead of the time its frames took to come
#: (or back) before it counts as a jump (see StreamSource._deliver)
TS_JUMP = 2.0
#: seconds within which a frame's time is taken for the last frame's (pushed a frame after it):
#: a frame pushed onto the next timestamp of a coarse clock (whole 1/10 s, four frames on one
#: tick at 30 fps) came out a rounding error (1e-16 s) before the frame there, which the output
#: then put one tick (11 us) after it: a frame never seen
SAME_TIME = 1e-6
#: seconds missing between two frames of an HLS (DASH) file taken for a part that did not come
#: (see StreamSource._missing)
HLS_GAP = 0.25


def _gap_text(seconds: float) -> str:
    """``seconds`` (a stretch of a stream missing) as a message says it: ``0.5``, ``1``, ``120``
    (Python's ``.2g`` of 120 is ``1.2e+02``)."""
    return f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.2g}"
#: seconds before an HLS (DASH) file's end that a seek after a reconnection goes to at most (the
#: frames before the point reached skipped: see StreamSource._connect)
HLS_END = 1.0
#: demuxers whose timestamps are made up, not sent (see StreamSource._arrival_time)
WALLCLOCK_FORMATS = ("mpjpeg", "mjpeg", "jpeg_pipe")


@register_source("stream", is_input_url)
def open_stream(spec: str, cfg: VideoConfig, **options: Any) -> StreamSource:
    known = {k: options[k] for k in ("rtsp_transport", "reconnect") if options.get(k) is not None}
    return StreamSource(spec, cfg, **known)
