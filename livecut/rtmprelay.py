"""Time limits for RTMP output: FFmpeg's RTMP client publishes through a local relay process.

PyAV opens an output with ``avio_open()``: no options, no interrupt callback, so FFmpeg's
RTMP protocol has no time limit (``rw_timeout``, ``timeout`` and ``av.open(timeout=)`` do not
reach it), and it connects, handshakes and publishes holding the GIL: a server that accepts
the connection but never answers held livecut for ever, deaf to Ctrl-C and to every Python
thread.  So FFmpeg publishes to ``rtmp://127.0.0.1:PORT/...`` where this module's relay, a
small Python process, listens; the relay connects to the real server (TLS itself for
``rtmps://``) and copies the bytes both ways, unchanged but for the ``tcUrl`` of the
``connect`` command, which names the real server again (as FFmpeg would have).  The relay
gives up -- closes both connections, so FFmpeg's blocked call fails at once -- when

* the stream is not published within the open timeout (no TCP connection, no handshake,
  no answer to ``connect``/``publish``);
* the server takes no data for the stall timeout while there is data to send;
* the parent says so: a signal that arrives while FFmpeg is opening (through
  :func:`signal.set_wakeup_fd`, written by Python's C signal handler, which needs no GIL),
  :meth:`RtmpRelay.cancel`, or the parent's end (its stdin closes).

``rtsp://`` outputs over TCP go through it too (FFmpeg's RTSP output has a time limit, its
``timeout`` option, but holds the GIL while it connects and publishes: deaf to Ctrl-C until
then); their bytes pass unchanged (the requests name the relay's address: a Digest answer
covers the URI it names, so it is not rewritten).  ``rtsps://`` outputs too: FFmpeg speaks
plain RTSP to the relay, which speaks TLS to the server (as for ``rtmps://``).

It reports why on its stdout (``fail REASON``), read by :class:`RtmpRelay`.  The relay
never sees the stream key or a password: it is given the scheme, host and port only.

Run as ``python -m livecut.rtmprelay``: it imports nothing from livecut.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time

HANDSHAKE = 1 + 1536 + 1536   #: what an RTMP client sends before its first chunk: C0 C1 C2
BUFFER = 256 * 1024           #: bytes held for a side that does not take them
DEFAULT_PORTS = {"rtmp": 1935, "rtmps": 443, "rtsp": 554, "rtsps": 322}
#: seconds the relay process has at least to say its port (the open timeout, when longer)
START_TIMEOUT = 5.0
#: schemes the relay speaks TLS to the server for
TLS_SCHEMES = ("rtmps", "rtsps")
_AMF_CONNECT = b"\x02\x00\x07connect"
_AMF_TCURL = b"\x00\x05tcUrl\x02"


# ---------------------------------------------------------------- the client's byte stream

class _Chunks:
    """What the relay knows of one chunk stream of the client."""

    __slots__ = ("length", "type", "msid", "delta", "ext", "remaining")

    def __init__(self) -> None:
        self.length = self.type = self.msid = self.delta = self.remaining = 0
        self.ext = False


def _basic_header(fmt: int, csid: int) -> bytes:
    if csid < 64:
        return bytes([(fmt << 6) | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    return bytes([(fmt << 6) | 1, (csid - 64) & 255, (csid - 64) >> 8])


class ConnectRewriter:
    """The client's bytes for the server: unchanged, except the ``tcUrl`` of its ``connect``
    command, where ``local`` (``rtmp://127.0.0.1:PORT``) becomes ``real``
    (``rtmp://host:1935``, as FFmpeg writes it).

    The handshake is copied; then chunks are read until the connect is rewritten (its
    message gets a new length) and the chunk stream that carried it starts a message with
    an explicit length again: a next message of the connect's old length and type would be
    sent with a header that leaves the length out (RTMP header compression), which the
    server would read with the new one -- such a header is given the length.  From then on
    (or at anything unexpected) bytes pass as they come."""

    def __init__(self, local: str, real: str) -> None:
        self.local, self.real = local.encode(), real.encode()
        self.buf = bytearray()
        self.state = "handshake"
        self.need = HANDSHAKE
        self.chunk_size = 128
        self.streams: dict[int, _Chunks] = {}
        self.held: dict[int, list] = {}   # csid -> [first header fields, payload] of an invoke being read
        self.sync: tuple[int, int] | None = None   # (csid, the connect's old length)
        self.rewritten = False

    def feed(self, data: bytes) -> bytes:
        if self.state == "pass":
            return data
        self.buf += data
        out = bytearray()
        if self.state == "handshake":
            n = min(self.need, len(self.buf))
            out += self.buf[:n]
            del self.buf[:n]
            self.need -= n
            if self.need:
                return bytes(out)
            self.state = "chunks"
        while self.state == "chunks":
            piece = self._chunk()
            if piece is None:
                break
            out += piece
        if self.state == "pass" and self.buf:
            out += self.buf
            self.buf.clear()
        return bytes(out)

    def _give_up(self) -> bytes:
        """Pass everything from here on as it is (what was held goes first)."""
        self.state = "pass"
        held = b"".join(h[2] for h in self.held.values())
        self.held.clear()
        return held

    def _chunk(self) -> bytes | None:
        """One chunk from the buffer: the bytes to send for it, or None when incomplete."""
        b = self.buf
        if not b:
            return None
        fmt, csid, i = b[0] >> 6, b[0] & 63, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, i = 64 + b[1], 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, i = 64 + b[1] + 256 * b[2], 3
        hlen = (11, 7, 3, 0)[fmt]
        if len(b) < i + hlen:
            return None
        st = self.streams.get(csid)
        if st is None and fmt != 0:
            return self._give_up()  # (not what FFmpeg sends)
        st = st or _Chunks()
        h = bytes(b[i:i + hlen])
        ext = h[0:3] == b"\xff\xff\xff" if fmt <= 2 else st.ext
        j = i + hlen + (4 if ext else 0)
        if len(b) < j:
            return None
        start = st.remaining == 0
        if start:
            length, mtype = (int.from_bytes(h[3:6], "big"), h[6]) if fmt <= 1 else (st.length, st.type)
            msid = int.from_bytes(h[7:11], "little") if fmt == 0 else st.msid
            delta = int.from_bytes(b[i + hlen:j] if ext else h[0:3], "big") if fmt in (1, 2) else st.delta
        else:
            length, mtype, msid, delta = st.length, st.type, st.msid, st.delta
        n = min(self.chunk_size, length if start else st.remaining)
        if len(b) < j + n:
            return None
        raw, payload = bytes(b[:j + n]), bytes(b[j:j + n])
        del b[:j + n]
        self.streams[csid] = st
        st.ext = ext
        if start:
            st.length, st.type, st.msid, st.delta, st.remaining = length, mtype, msid, delta, length
        st.remaining -= n

        if self.sync is not None and csid == self.sync[0] and start:
            old = self.sync[1]
            self.sync = None
            self.state = "pass"
            if fmt >= 2:  # (length left out: the server would take the rewritten connect's)
                ts = (b"\xff\xff\xff" if ext else delta.to_bytes(3, "big"))
                return (_basic_header(1, csid) + ts + old.to_bytes(3, "big") + bytes([mtype])
                        + (delta.to_bytes(4, "big") if ext else b"") + payload)
            return raw
        if mtype == 1 and start and n >= 4 and length == 4:  # Set Chunk Size (applies to what follows)
            self.chunk_size = max(1, int.from_bytes(payload[:4], "big") & 0x7FFFFFFF)
        if self.rewritten or (mtype != 20 and csid not in self.held):
            return raw
        # an invoke (AMF0 command) before the connect was seen: held until complete
        if start:
            ts = (h[0:3], bytes(raw[i + hlen:j])) if fmt <= 2 else (b"\x00\x00\x00", b"")
            self.held[csid] = [(*ts, msid), bytearray(), bytearray()]
        held = self.held[csid]
        held[1] += payload
        held[2] += raw
        if st.remaining:
            return b""
        del self.held[csid]
        ts, ts_ext, msid = held[0]
        message = self._rewrite(bytes(held[1]))
        self.rewritten = True
        if message is None:  # not a connect FFmpeg wrote: left as it was
            return self._give_up_after(bytes(held[2]))
        if len(message) != length:
            self.sync = (csid, length)
        else:
            self.state = "pass"
        return self._encode(csid, ts, ts_ext, mtype, msid, message)

    def _give_up_after(self, first: bytes) -> bytes:
        return first + self._give_up()

    def _encode(self, csid: int, ts: bytes, ts_ext: bytes, mtype: int, msid: int, payload: bytes) -> bytes:
        """``payload`` as one message on ``csid``: a full header, chunks of the client's size."""
        out = bytearray(_basic_header(0, csid) + ts + len(payload).to_bytes(3, "big") + bytes([mtype])
                        + msid.to_bytes(4, "little") + ts_ext)
        for k in range(0, max(len(payload), 1), self.chunk_size):
            if k:
                out += _basic_header(3, csid) + ts_ext
            out += payload[k:k + self.chunk_size]
        return bytes(out)

    def _rewrite(self, payload: bytes) -> bytes | None:
        """The connect command with its tcUrl naming the real server; None if it is not one."""
        if not payload.startswith(_AMF_CONNECT):
            return None
        k = payload.find(_AMF_TCURL)
        if k < 0:
            return None
        p = k + len(_AMF_TCURL)
        n = int.from_bytes(payload[p:p + 2], "big")
        url = payload[p + 2:p + 2 + n]
        rest = url[len(self.local):len(self.local) + 1]
        if not url.startswith(self.local) or rest not in (b"", b"/", b"?"):
            return None
        new = self.real + url[len(self.local):]
        if len(new) > 0xFFFF:
            return None
        return payload[:p] + len(new).to_bytes(2, "big") + new + payload[p + 2 + n:]


# ---------------------------------------------------------------- the server's side

class _Upstream:
    """The connection to the server (non-blocking), plain or TLS (a memory BIO, so that one
    select() loop drives both)."""

    def __init__(self, sock: socket.socket, tls_host: str | None, verify: bool = True) -> None:
        self.sock = sock
        sock.setblocking(False)
        self.raw_out = bytearray()
        self.answered = False   # the server sent something
        self.sent = 0           # bytes handed to the kernel
        self.tls = None
        self.ready = True
        if tls_host is not None:
            import ssl

            self._ssl = ssl
            self.inc, self.outg = ssl.MemoryBIO(), ssl.MemoryBIO()
            context = ssl.create_default_context()
            if not verify:  # (video.tls_verify = false: a server with a self-signed certificate)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self.tls = context.wrap_bio(self.inc, self.outg, server_hostname=tls_host)
            self.ready = False
            self.app_pending = bytearray()
            self._handshake()

    def _handshake(self) -> None:
        try:
            self.tls.do_handshake()
            self.ready = True
        except self._ssl.SSLWantReadError:
            pass
        self.raw_out += self.outg.read()
        if self.ready and self.app_pending:
            data, self.app_pending = bytes(self.app_pending), bytearray()
            self.send(data)

    def send(self, data: bytes) -> None:
        if self.tls is None:
            self.raw_out += data
        elif not self.ready:
            self.app_pending += data
        else:
            self.tls.write(data)
            self.raw_out += self.outg.read()

    def pending(self) -> int:
        return len(self.raw_out) + (len(self.app_pending) if self.tls is not None else 0)

    def flush(self) -> int:
        """Send what the socket takes now; the number of bytes."""
        if not self.raw_out:
            return 0
        try:
            sent = self.sock.send(self.raw_out)
        except (BlockingIOError, InterruptedError):
            return 0
        del self.raw_out[:sent]
        self.sent += sent
        return sent

    def unacked(self) -> int:
        """Bytes the kernel holds that the server has not acknowledged (Linux; 0 elsewhere):
        data handed to the kernel is not data the server took -- a server that stops
        reading fills its receive window, and ours, before a send would block."""
        if _OUTQ is None:
            return 0
        try:
            import fcntl

            return max(0, int.from_bytes(fcntl.ioctl(self.sock.fileno(), _OUTQ, b"\0\0\0\0"),
                                         sys.byteorder, signed=True))
        except (OSError, ValueError):
            return 0

    def outstanding(self) -> int:
        """Bytes on their way to the server: held here, or unacknowledged in the kernel."""
        return self.pending() + self.unacked()

    def receive(self) -> bytes | None:
        """What the server sent (decrypted); b"" for nothing yet, None at its end."""
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return b""
        if not data:
            return None
        self.answered = True
        if self.tls is None:
            return data
        self.inc.write(data)
        if not self.ready:
            self._handshake()
            if not self.ready:
                return b""
        out = bytearray()
        while True:
            try:
                out += self.tls.read(65536)
            except self._ssl.SSLWantReadError:
                break
            except self._ssl.SSLZeroReturnError:
                return bytes(out) or None
        self.raw_out += self.outg.read()
        return bytes(out)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _outq() -> int | None:
    """The ioctl that tells a socket's unacknowledged bytes (SIOCOUTQ), where there is one."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import termios

        return termios.TIOCOUTQ  # (SIOCOUTQ: the same request on Linux)
    except (ImportError, AttributeError):
        return None


_OUTQ = _outq()


def _reset(sock: socket.socket | None) -> None:
    """Close ``sock`` with a reset: a peer blocked reading or writing fails at once."""
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _why(exc: BaseException, host: str | None = None) -> str:
    """One line for a connection error (no address: the caller's message names the URL); a
    ``host`` name that does not resolve is said as every other scheme says it."""
    try:
        import ssl

        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"TLS: certificate verify failed ({exc.verify_message})"
        if isinstance(exc, ssl.SSLError):
            return f"TLS: {exc.reason or exc}"
    except ImportError:
        pass
    if isinstance(exc, socket.gaierror):
        # (as livecut.urls.unknown_host_text says it -- tcp://, udp://, an rtmp:// input: it was
        # "cannot resolve the server's name (Name or service not known)" -- in its words, as
        # this module imports nothing from livecut)
        if host and exc.errno == socket.EAI_AGAIN:
            return f"the host name {host} could not be looked up (no name server answered)"
        if host:
            return f"no host is known by the name {host}"
        return f"cannot resolve the server's name ({exc.strerror})"
    if isinstance(exc, UnicodeError):  # (a name IDNA cannot encode: "a..b", a label over 63 characters)
        return "the server's name is not a valid host name"
    if isinstance(exc, ConnectionResetError):
        return "the server reset the connection"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


# ---------------------------------------------------------------- the relay (child process)

class _Unchanged:
    """An rtsp:// client's bytes: passed as they come (its requests name the relay's address:
    a Digest answer covers the URI it names, so it is left as FFmpeg wrote it)."""

    @staticmethod
    def feed(data: bytes) -> bytes:
        return data


class Relay:
    """One FFmpeg connection at a time (FFmpeg reconnects after an authentication challenge)."""

    def __init__(self, scheme: str, host: str, port: int, open_timeout: float, stall: float,
                 wake_fd: int | None = None, out=None, verify: bool = True, rtp_source: bool = False) -> None:
        self.scheme, self.host, self.port = scheme, host, port
        #: rtsp:// over UDP: the server's address put in its answers' Transport (see _with_source)
        self.rtp_source = rtp_source
        self._held = b""
        self.verify = verify  # (check an rtmps:// or rtsps:// server's certificate)
        self.open_timeout, self.stall = open_timeout, stall
        self.wake_fd = wake_fd
        self.out = out or sys.stdout
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.lport = self.listener.getsockname()[1]
        host_part = f"[{host}]" if ":" in host else host
        self.local_prefix = f"rtmp://127.0.0.1:{self.lport}"
        self.real_prefix = f"{scheme}://{host_part}:{port}"
        self.deadline = time.monotonic() + open_timeout
        self.opened = False
        self.ending = False     # the parent is done: finish the session, then exit
        self.failed: str | None = None
        self.control: queue.Queue = queue.Queue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self.local: socket.socket | None = None
        self.up: _Upstream | None = None
        self.connecting: queue.Queue | None = None
        self.down = bytearray()
        self.rewriter: ConnectRewriter | _Unchanged | None = None
        self.local_eof = self.up_eof = False
        self.progress = time.monotonic()
        self.acked = self.outstanding = 0

    # -- parent messages (a thread reads stdin)
    def post(self, message: str) -> None:
        self.control.put(message)
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _control(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError, OSError):
            pass
        while True:
            try:
                message = self.control.get_nowait()
            except queue.Empty:
                return
            if message == "opened":
                self.opened = True
                self.progress = time.monotonic()
            elif message == "hurry":   # stopped by a signal: finishing waits 1 s at most
                self.stall = min(self.stall, 1.0)
            elif message == "end":
                self.ending = True

    def fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
            try:
                self.out.write(f"fail {reason}\n")
                self.out.flush()
            except (OSError, ValueError):
                pass
        self._end_session(reset=True)
        try:
            self.listener.close()  # (FFmpeg does not come back)
        except OSError:
            pass

    # -- one session
    def _accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError, OSError):
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.local, self.down, self.local_eof, self.up_eof = sock, bytearray(), False, False
        self._held = b""
        self.acked = self.outstanding = 0
        self.rewriter = (_Unchanged() if self.scheme in ("rtsp", "rtsps")
                         else ConnectRewriter(self.local_prefix, self.real_prefix))
        self.progress = time.monotonic()
        result: queue.Queue = queue.Queue()
        self.connecting = result
        timeout = max(0.1, self.deadline - time.monotonic()) if not self.opened else self.open_timeout

        def connect() -> None:  # (name resolution cannot be given a time limit: its own thread)
            got: object
            try:
                got = socket.create_connection((self.host, self.port), timeout=timeout)
                try:
                    got.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    got.close()
                    raise
            except Exception as exc:  # noqa: BLE001 -- an OSError, a UnicodeError (a name IDNA cannot encode), a bug
                got = exc
            result.put(got)  # (always: the loop and drop() wait for it)
            self.post("connected")

        threading.Thread(target=connect, name="connect", daemon=True).start()

    def _connected(self) -> None:
        result = self.connecting
        if result is None:
            return
        try:
            got = result.get_nowait()
        except queue.Empty:
            return
        self.connecting = None
        if isinstance(got, BaseException):
            self.fail(_why(got, self.host))
            return
        try:
            self.up = _Upstream(got, self.host if self.scheme in TLS_SCHEMES else None, self.verify)
        except Exception as exc:  # noqa: BLE001 -- TLS set-up
            got.close()
            self.fail(_why(exc))
            return
        self.progress = time.monotonic()

    def _end_session(self, reset: bool = False) -> None:
        if self.connecting is not None:  # (a connection that comes later is closed unused)
            result, self.connecting = self.connecting, None

            def drop() -> None:
                got = result.get()
                if isinstance(got, socket.socket):
                    got.close()

            threading.Thread(target=drop, daemon=True).start()
        if self.local is not None:
            if reset:
                _reset(self.local)
            else:
                try:
                    self.local.close()
                except OSError:
                    pass
        if self.up is not None:
            (_reset(self.up.sock) if reset else self.up.close())
        self.local = self.up = None
        self.down = bytearray()

    def _open_reason(self) -> str:
        t = f"{self.open_timeout:g} s"
        if self.up is not None and self.up.tls is not None and not self.up.answered:
            # (connected, the ClientHello unanswered: a plain RTMP server that waits for the rest of
            # an RTMP handshake, as nginx-rtmp does -- see StreamSink._tls_language)
            return f"no answer to the TLS handshake within {t}"
        if self.up is None or not self.up.answered:
            return f"no answer within {t}"
        return f"the server answered but did not take the stream within {t}"

    # -- the loop
    def _watch(self, now: float) -> int:
        """Bytes on their way to the server; the time of the last progress is kept: when
        the server acknowledged more, or when there was nothing on its way before."""
        up = self.up
        if up is None:
            return 0
        unacked = up.unacked()
        acked = up.sent - unacked
        outstanding = up.pending() + unacked
        if acked > self.acked or not self.outstanding:
            self.progress = now
        self.acked, self.outstanding = acked, outstanding
        return outstanding

    def run(self) -> None:
        while True:
            self._control()
            now = time.monotonic()
            outstanding = self._watch(now)
            if self.failed is None:
                if not self.opened and now >= self.deadline:
                    self.fail(self._open_reason())
                elif self.opened and outstanding and now - self.progress > self.stall:
                    self.fail(f"the server took no data for {self.stall:g} s")
                elif self.local is not None and self.local_eof and self.up is not None and not outstanding:
                    self._end_session()  # FFmpeg closed and the server has everything: done
                elif self.local is not None and self.up_eof and not self.down:
                    self.fail("the server closed the connection")
            if self.ending and self.local is None:
                return
            if self.failed is not None and self.ending:
                return
            rd: list = [self._wake_r]
            wr: list = []
            if self.wake_fd is not None:
                rd.append(self.wake_fd)
            if self.local is None and self.failed is None:
                rd.append(self.listener)
            if self.local is not None:
                up_pending = self.up.pending() if self.up is not None else 0
                # (FFmpeg's bytes wait in its socket until the server's connection is there)
                if self.up is not None and not self.local_eof and up_pending < BUFFER:
                    rd.append(self.local)
                if self.down:
                    wr.append(self.local)
                if self.up is not None:
                    if not self.up_eof and len(self.down) < BUFFER:
                        rd.append(self.up.sock)
                    if self.up.raw_out:
                        wr.append(self.up.sock)
            try:
                r, w, _ = select.select(rd, wr, [], 0.1)
            except (OSError, ValueError):
                r, w = [], []
            if self._wake_r in r:
                self._control()
            if self.wake_fd is not None and self.wake_fd in r:
                try:
                    data = os.read(self.wake_fd, 64)
                except OSError:
                    data = b""
                if not data:
                    self.wake_fd = None  # (the parent is gone: stdin says so too)
                elif not self.opened:
                    self.fail("interrupted")
            if self.connecting is not None:
                self._connected()
            if self.listener in r and self.failed is None and self.local is None:
                self._accept()
            if self.local is None:
                continue
            try:
                self._pump(r, w)
            except OSError as exc:
                if self.local is not None:
                    self.fail(_why(exc))
            except Exception as exc:  # noqa: BLE001 -- a TLS error, a bug: said, never a hang
                if self.local is not None:
                    self.fail(_why(exc))

    def _pump(self, r: list, w: list) -> None:
        local, up = self.local, self.up
        if local in r:
            try:
                data = local.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except ConnectionError:
                data = b""
            if data == b"":
                self.local_eof = True   # FFmpeg closed: send the rest, then end
                if up is None:
                    self._end_session()
                    return
            elif data:
                out = self.rewriter.feed(data)
                if out and up is not None:
                    up.send(out)
        if up is None:
            return
        if up.sock in r:
            try:
                got = up.receive()
            except ConnectionResetError:
                self.fail("the server reset the connection")
                return
            if up.answered and not self.answered:  # (even a TLS handshake's first bytes: see RtmpRelay.answered)
                self.answered = True
                self._tell("answered")
            if got is None:
                self.up_eof = True
            elif got:
                if not self.spoke and self.scheme in ("rtmp", "rtsp") and got.startswith((b"\x03", b"RTSP/")):
                    # (its S0, RTMP's version, or an RTSP answer: a server of the plain protocol,
                    # not a TLS one -- see RtmpRelay.spoke)
                    self.spoke = True
                    self._tell("spoke")
                if self.rtp_source and not self.opened:
                    got = self._with_source(got)
                self.down += got
                if not self.opened and self.scheme in ("rtsp", "rtsps"):
                    self._note_refusal(got)
        if up.raw_out and (up.sock in w or up.sock in r):
            up.flush()
        if self.down and local in w:
            try:
                sent = local.send(self.down)
                del self.down[:sent]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._end_session(reset=True)


    def _with_source(self, data: bytes) -> bytes:
        """rtsp:// over UDP: the server's answers (``data``) with its address as ``source=`` in
        their Transport lines, where FFmpeg sends the RTP packets (to the address it connected
        to otherwise: the relay's); a Transport line cut between two reads is held to its end."""
        data = self._held + data
        cut = data.rfind(b"\n") + 1
        tail = data[cut:].lower()
        self._held = data[cut:] if tail and (tail.startswith(b"transport:") or b"transport:".startswith(tail)) else b""
        data = data[:len(data) - len(self._held)]
        ip = self.up.sock.getpeername()[0].encode()
        return re.sub(rb"(?im)^(transport:[^\r\n]*?)(\r?)$",
                      lambda m: m[0] if b"source=" in m[1].lower() else m[1] + b";source=" + ip + m[2], data)

    #: the server answered in the URL's plain protocol (rtmp://, rtsp://)
    spoke = False
    #: the server sent something (told once)
    answered = False

    def _tell(self, line: str) -> None:
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except (OSError, ValueError):
            pass

    def _note_refusal(self, data: bytes) -> None:
        """rtsp(s)://: say each answer of the server's (its status and words) before FFmpeg has it,
        which says of most refusals no more than "Server returned 4XX Client Error, but not one of
        40{0,1,3,4}" (415: a codec it does not take; 406, 503 ...), of one of the RECORD "Invalid
        data found when processing input"; the last is the one FFmpeg failed on (an answer taken,
        after a 401 answered with the password, is no refusal)."""
        for m in re.finditer(rb"RTSP/\d\.\d (\d\d\d)[ \t]*([ -~]{0,80})\r?\n", data):
            answer = f"{m[1].decode()} {m[2].decode().strip()}".strip()
            self._tell(f"answer {answer}")


def _read_control(relay: Relay) -> None:
    """The parent's lines on stdin; its end (EOF) ends the relay."""
    for line in sys.stdin:
        relay.post(line.strip())
    relay.post("end")


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m livecut.rtmprelay")
    ap.add_argument("--open-timeout", type=float, required=True)
    ap.add_argument("--stall-timeout", type=float, required=True)
    ap.add_argument("--wake-fd", type=int)
    ap.add_argument("--no-verify", action="store_true", help="do not check an rtmps:// or rtsps:// server's certificate")
    ap.add_argument("--rtp-source", action="store_true", help="rtsp:// over UDP: name the server in its answers' Transport")
    args = ap.parse_args(argv)
    # a terminal's Ctrl-C is the parent's to handle (this process is in its own session anyway)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # (a JSON line: a server's name with a space, rtmp://my host/..., was split into four words
    # here, and the run said 'the RTMP relay did not start', not the name's own failure)
    scheme, host, port = json.loads(sys.stdin.readline())
    relay = Relay(scheme, host, int(port), args.open_timeout, args.stall_timeout, args.wake_fd,
                  verify=not args.no_verify, rtp_source=args.rtp_source)
    print(f"port {relay.lport}", flush=True)
    threading.Thread(target=_read_control, args=(relay,), daemon=True).start()
    relay.run()
    return 0


# ---------------------------------------------------------------- the parent's side

def split_url(url: str) -> tuple[str, str, str, int, str]:
    """``(scheme, userinfo, host, port, rest)`` of an rtmp://, rtmps://, rtsp:// or rtsps:// URL; ``rest`` is
    everything from the path on, as written."""
    scheme, _, tail = url.partition("://")
    scheme = scheme.lower()
    cut = min((k for k in (tail.find("/"), tail.find("?"), tail.find("#")) if k >= 0), default=len(tail))
    netloc, rest = tail[:cut], tail[cut:]
    userinfo, _, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, _, after = hostport[1:].partition("]")
        port_text = after[1:] if after.startswith(":") else ""
    else:
        host, _, port_text = hostport.partition(":")
    port = int(port_text) if port_text else DEFAULT_PORTS[scheme]
    return scheme, userinfo, host, port, rest


class RtmpRelay:
    """Starts the relay process for ``url`` and says where FFmpeg should publish
    (:attr:`local_url`: the same path, key and credentials, at 127.0.0.1)."""

    def __init__(self, url: str, open_timeout: float, stall_timeout: float, verify: bool = True,
                 rtp_source: bool = False) -> None:
        scheme, userinfo, host, port, rest = split_url(url)
        if not host:
            raise OSError("no server named in the URL")
        self._failure: str | None = None
        self._failed = threading.Event()
        #: rtsp(s)://: the server's last answer while the stream opened ("415 Unsupported Media Type")
        self.answer: str | None = None
        #: rtmp://, rtsp://: the server answered in that protocol (so it is no TLS server: not asked)
        self.spoke = False
        #: the server sent something, in any protocol (a signal before it did: it did not answer)
        self.answered = False
        self._wake_r = self._wake_w = None
        pass_fds: tuple = ()
        cmd = [sys.executable, "-P", "-m", "livecut.rtmprelay", "--open-timeout", repr(float(open_timeout)),
               "--stall-timeout", repr(float(stall_timeout))] + ([] if verify else ["--no-verify"]) + \
            (["--rtp-source"] if rtp_source else [])
        if os.name == "posix":
            self._wake_r, self._wake_w = os.pipe()
            os.set_blocking(self._wake_w, False)
            pass_fds = (self._wake_r,)
            cmd += ["--wake-fd", str(self._wake_r)]
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1,
                                         pass_fds=pass_fds, close_fds=True,
                                         start_new_session=os.name == "posix")
        except OSError:
            self._close_wake()
            raise
        finally:
            if self._wake_r is not None:
                os.close(self._wake_r)
                self._wake_r = None
        try:
            self.proc.stdin.write(json.dumps([scheme, host, port]) + "\n")
            self.proc.stdin.flush()
            line = self._port_line(max(START_TIMEOUT, float(open_timeout)))
        except OSError:
            line = ""
        except BaseException:  # (Ctrl-C while it starts: neither the relay nor its pipe is left)
            self.cancel()
            self.close(0.5)
            raise
        if line is None:
            if os.name == "posix":  # (its session: whatever it started holds the pipe no longer)
                with contextlib.suppress(OSError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
            self.cancel()
            self.close(0.5)
            raise OSError(f"the RTMP relay started but did not say its port within "
                          f"{max(START_TIMEOUT, float(open_timeout)):g} s")
        if not line.startswith("port "):
            self.close(0.5)
            raise OSError("the RTMP relay did not start")
        lport = int(line.split()[1])
        # (rtmps, rtsps: the relay speaks TLS to the server, FFmpeg the plain protocol to the relay)
        local = "rtsp" if scheme in ("rtsp", "rtsps") else "rtmp"
        self.local_url = f"{local}://{userinfo + '@' if userinfo else ''}127.0.0.1:{lport}{rest}"
        self._reader = threading.Thread(target=self._read, name="livecut-rtmp-relay", daemon=True)
        self._reader.start()

    def _port_line(self, timeout: float) -> str | None:
        """The relay's first line (``port N``; "" if it ended first), or None when it said
        nothing within ``timeout`` s: a relay that started but never printed (a Python that
        hung in its start-up) held the run for good in ``readline``, deaf to the open timeout."""
        got: queue.Queue = queue.Queue()

        def read() -> None:
            try:
                got.put((self.proc.stdout.readline(), None))
            except BaseException as exc:  # (raised where the caller waits)
                got.put(("", exc))

        threading.Thread(target=read, name="livecut-rtmp-relay-start", daemon=True).start()
        try:
            line, exc = got.get(timeout=timeout)
        except queue.Empty:
            return None
        if exc is not None:
            raise exc
        return line

    def _read(self) -> None:
        try:
            for line in self.proc.stdout:
                if line.startswith("fail ") and self._failure is None:
                    self._failure = line[5:].strip()
                    self._failed.set()
                elif line.startswith("answer "):
                    self.answer = line[7:].strip()
                elif line.strip() == "spoke":
                    self.spoke = True
                elif line.strip() == "answered":
                    self.answered = True
        except (OSError, ValueError):
            pass
        self._failed.set()  # (the relay ended)

    def _say(self, message: str) -> None:
        try:
            self.proc.stdin.write(message + "\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass

    def opened(self) -> None:
        """The stream is published: from now on the stall timeout applies."""
        self._say("opened")

    def hurry(self) -> None:
        """The run was stopped by a signal: finishing the stream waits 1 s at most."""
        self._say("hurry")

    def failure(self, wait: float = 0.0) -> str | None:
        """Why the relay cut the connection (None if it did not), waiting up to ``wait`` s
        for its word (it says why before it closes: FFmpeg's error comes after)."""
        if wait > 0 and self.proc.poll() is None:
            self._failed.wait(wait)
        return self._failure

    @contextlib.contextmanager
    def wake_on_signals(self):
        """Context manager: a signal (Ctrl-C, SIGTERM) that arrives meanwhile makes the relay
        give up at once (Python writes it to the relay's pipe from its C handler), so a call
        that holds the GIL in FFmpeg ends and the signal is handled.  Main thread only."""
        old, armed = -1, False
        if self._wake_w is not None and threading.current_thread() is threading.main_thread():
            try:
                old, armed = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False), True
            except (ValueError, OSError):
                pass
        try:
            yield
        finally:
            if armed:
                signal.set_wakeup_fd(old)

    #: cancel() cut the connection while the relay ran (what it held may not have been sent)
    cancelled = False

    def cancel(self) -> None:
        """Cut the connection now (thread-safe): FFmpeg's call blocked on it fails."""
        if self.proc.poll() is None:
            try:
                self.proc.kill()
                self.cancelled = True
            except OSError:
                pass

    def close(self, grace: float = 2.0) -> None:
        """Let the relay send what it holds (FFmpeg closed its side), then end it.  Idempotent."""
        try:
            self.proc.stdin.close()
        except (OSError, ValueError):
            pass
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except BaseException:
            # (a signal while it sent the rest: ended now -- its output, which a thread reads,
            # could not be closed under that read until the relay gave up, video.read_timeout)
            self.cancel()
            raise
        finally:
            self._close_wake()
            try:
                self.proc.stdout.close()
            except (OSError, ValueError):
                pass

    def _close_wake(self) -> None:
        w, self._wake_w = self._wake_w, None
        if w is not None:
            try:
                os.close(w)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())
