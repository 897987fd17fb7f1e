"""SRT through an ``ffmpeg`` subprocess (PyAV's bundled FFmpeg has no ``srt://``).

* input: ``ffmpeg -f data -i srt://... -c copy -f data pipe:1`` copies the
  MPEG-TS bytes to a pipe that PyAV demuxes through :class:`PipeReader`, whose
  reads wait at most a timeout (``select``), so open and stall timeouts work as
  for the other protocols;
* output: PyAV muxes MPEG-TS into :class:`PipeWriter`, the stdin of
  ``ffmpeg -f data -i pipe:0 -c copy -f data srt://...``.

ffmpeg neither decodes nor demuxes (see the note on the command lines).  ffmpeg's stderr goes to a temporary
file (no reader thread); its messages are shown redacted.  An output's passphrase and stream ID
reach ffmpeg through a pipe (see :func:`hidden_options`); an input's URL, passphrase included, is on
ffmpeg's command line (no ffmpeg takes an input's options from a file: -fpre is an output's, and
FFmpeg 7's -/option FILE reads ffmpeg's own options, not a protocol's) but is never logged:
only :func:`redact_url` forms are.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from typing import IO
from urllib.parse import urlsplit

from livecut.urls import hide_secrets, redact_url, srt_options, unknown_host_text, url_secrets

log = logging.getLogger("livecut")

#: what :meth:`FfmpegBridge.reason` says of a connection that its peer ended or let drop
LOST = "ffmpeg: the SRT connection was lost (the peer closed it or stopped answering)"
_PREFIX = re.compile(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*")
#: ffmpeg's words (5.x; 6.1+) for a write into an SRT connection that broke: libsrt says EIO
_LOST = re.compile(r"(av_interleaved_write_frame\(\)|Error submitting a packet to the muxer):"
                   r" Input/output error$")
#: the header of a line the SRT library logs itself, whatever ffmpeg's -loglevel: its time, thread
#: and function ("14:11:03.877600/SRT:RcvQ:w1!W:SRT.cn: processAsyncConnectRequest: "), or its time
#: and ffmpeg's thread where the line comes from a call of ffmpeg's, an option refused
#: ("00:18:15.328841/ffmpeg*E:SRT.ac: ", kept in the message: an option's name, SRTO_..., is no function's)
_SRT_LOG = re.compile(r"^\d{1,2}:\d{2}:\d{2}\.\d+/(?:SRT:\S*\s+(?:\w+:\s+)?|\S+?:SRT\.\w+:\s+(?:[a-z]\w*:\s+)?)")
#: the peer's rejections (the SRT library's words) -> what they mean for the user; libsrt 1.5.4
#: (FFmpeg 9's) says first "processConnectResponse: rejecting per reception of a rejection HS
#: response: ERROR:BADSECRET" (or ERROR:UNSECURE), then the words of the others
_SRT_REJECTS = (
    ("Incorrect passphrase", "the SRT peer refused the passphrase (not the one it has)"),
    ("Password required or unexpected", "the SRT peer refused the connection: one side has a "
                                        "passphrase and the other none (give the same passphrase= to both)"),
    ("ERROR:BADSECRET", "the SRT peer refused the passphrase (not the one it has)"),
    ("ERROR:UNSECURE", "the SRT peer refused the connection: one side has a "
                       "passphrase and the other none (give the same passphrase= to both)"),
)
#: the same rejections made by a listener's own SRT library, of a caller that came: ffmpeg goes on
#: listening (an input) or gives up with another of its lines first (an output, "HS EXT: Agent
#: declares encryption, but Peer does not ..."), so the run said "no answer within 10 s" or that line
_SRT_TURNED_AWAY = (
    ("Incorrect passphrase", "a caller came with another passphrase and was refused"),
    ("Password required or unexpected", "a caller was refused: one side has a passphrase and the other "
                                        "none (give the same passphrase= to both)"),
)


@functools.lru_cache(maxsize=1)
def _probe_ffmpeg() -> tuple[str | None, str | None]:
    """(path of ffmpeg, None) when it has SRT, else (None, why not)."""
    if sys.platform == "win32":  # (the bridge's pipes are polled with select(), sockets only there)
        return None, "srt:// is not supported on Windows yet (use udp://, tcp:// or rtsp://)"
    exe = shutil.which("ffmpeg")
    if exe is None:
        return None, "SRT needs the ffmpeg program (PyAV's FFmpeg has no srt://), and ffmpeg is not installed"
    try:
        r = subprocess.run([exe, "-hide_banner", "-protocols"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"SRT needs the ffmpeg program, and {exe} does not run ({exc})"
    text = r.stdout
    inputs, _, outputs = text.partition("Output:")
    has = lambda block: re.search(r"^\s*srt\s*$", block, re.M) is not None  # noqa: E731
    if not (has(inputs) and has(outputs)):
        return None, f"{exe} was built without SRT (libsrt); install an ffmpeg with srt in `ffmpeg -protocols`"
    return exe, None


def ffmpeg_for_srt() -> str:
    """Path of an ffmpeg that speaks SRT; raises RuntimeError (one line) when there is none."""
    exe, why = _probe_ffmpeg()
    if exe is None:
        raise RuntimeError(why)
    return exe


@functools.lru_cache(maxsize=4)
def presets_reach_the_output(exe: str) -> bool:
    """Whether ``exe`` gives an output the protocol options of an ``-fpre`` preset, as FFmpeg 5
    does: FFmpeg 9 reads the file (``ffpreset[...]: set ...``) and gives them to nothing, so an
    output's hidden passphrase and stream ID never reached its peer (see :func:`hidden_options`).
    Seen by the ``file`` protocol's ``truncate=0`` in a preset: a file it keeps or empties (an
    ffmpeg that fails the copy, which keeps it too, is taken to drop them: the secrets then stay
    in the URL, where they are used, and a warning says so)."""
    r = w = -1
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "probe")
            with open(out, "wb") as f:
                f.write(b"kept")
            r, w = os.pipe()
            os.write(w, b"truncate=0\n")
            os.close(w)
            w = -1
            done = subprocess.run([exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "data", "-i",
                                   os.devnull, "-map", "0", "-c", "copy", "-fpre", f"/dev/fd/{r}", "-f", "data", "-y",
                                   out], stdin=subprocess.DEVNULL, capture_output=True, timeout=20, pass_fds=(r,))
            # (an ffmpeg that failed before it opened the file left it as it was: not a sign that
            # it took the preset -- the passphrase then reached nobody, or a peer unencrypted)
            return done.returncode == 0 and os.path.getsize(out) > 0
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)


def srt_missing() -> str | None:
    """Why SRT cannot work here (None when it can)."""
    return _probe_ffmpeg()[1]


#: the bridge's ffmpeg runs under this small watchdog (a Python process): it forwards
#: SIGTERM/SIGINT/SIGHUP to ffmpeg, exits with ffmpeg's status, and stops ffmpeg when livecut
#: is gone (kill -9, the OOM killer): a listener waiting for its caller writes nothing, so it
#: never learnt by EPIPE that livecut had died, and held its port for ever
#: The command comes in the environment (LIVECUT_SRT_CMD: argv and the descriptors to pass on),
#: not on the watchdog's command line, which every local user sees (ps): it holds the URL.
#: An output's ffmpeg writes its progress into a pipe (``progress``) that the watchdog reads and
#: discards (ffmpeg's reports, twice a second, would fill a file for as long as it streams),
#: marking ``flag`` (a file livecut reads) at the first: see FfmpegBridge.sent.
_WATCHDOG = r"""
import json, os, select, signal, subprocess, sys
parent = os.getppid()
spec = json.loads(os.environ.pop("LIVECUT_SRT_CMD"))
p = subprocess.Popen(spec["argv"], pass_fds=spec["fds"])
for fd in spec["fds"]:
    os.close(fd)
progress, flag = spec.get("progress"), spec.get("flag")
def forward(signum, frame):
    try:
        p.send_signal(signum)
    except OSError:
        pass
for s in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)):  # (Windows: no SIGHUP)
    if s is not None:
        signal.signal(s, forward)
def wait(timeout):
    global progress, flag
    if progress is None:
        return p.wait(timeout=timeout)
    if select.select([progress], [], [], timeout)[0]:
        data = os.read(progress, 65536)
        if not data:  # (ffmpeg ended)
            os.close(progress)
            progress = None
        elif flag is not None:
            os.write(flag, b"1")
            os.close(flag)
            flag = None
    code = p.poll()
    if code is None:
        raise subprocess.TimeoutExpired(spec["argv"], timeout)
    return code
while True:
    try:
        code = wait(0.5)
        break
    except subprocess.TimeoutExpired:
        if os.getppid() != parent:
            p.terminate()
            try:
                code = p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                code = p.wait()
            break
sys.exit(code if code >= 0 else 128 - code)
"""


class FfmpegBridge:
    """An ffmpeg subprocess with one pipe (its stdout for input, stdin for output)."""

    def __init__(self, url: str, args: list[str], *, writing: bool,
                 preset: dict[str, str] | None = None) -> None:
        """``preset``: options of the output (the last argument), given to ffmpeg in a preset
        file read from an inherited pipe (``-fpre /dev/fd/N``), not on its command line."""
        self.url = url
        self.safe = redact_url(url, publishing=writing)  # (an output's stream ID may be its key)
        self._secrets = url_secrets(url, publishing=writing)
        exe = ffmpeg_for_srt()
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        fds: list[int] = []
        watch: dict[str, int] = {}   # (the watchdog's own descriptors: see _WATCHDOG)
        #: marked by the watchdog once an output's ffmpeg reports its progress: see :meth:`sent`
        self._progress: IO[bytes] | None = None
        if writing:
            self._progress = tempfile.TemporaryFile()
            watch["progress"], w = os.pipe()
            watch["flag"] = os.dup(self._progress.fileno())
            fds.append(w)
            args = [*args[:-1], "-progress", f"pipe:{w}", args[-1]]
        if preset:
            r, w = os.pipe()
            try:
                os.write(w, "".join(f"{k}={v}\n" for k, v in preset.items()).encode())
            finally:
                os.close(w)
            fds.append(r)
            args = [*args[:-1], "-fpre", f"/dev/fd/{r}", args[-1]]
        cmd = [exe, "-hide_banner", "-nostats", "-loglevel", "error", *args]
        log.debug("srt: %s", " ".join(self.scrub(a) for a in cmd))
        env = dict(os.environ, LIVECUT_SRT_CMD=json.dumps({"argv": cmd, "fds": fds, **watch}))
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG], stdin=subprocess.PIPE if writing else subprocess.DEVNULL,
                stdout=subprocess.DEVNULL if writing else subprocess.PIPE,
                stderr=self._stderr, bufsize=0, close_fds=True, pass_fds=fds + list(watch.values()), env=env,
                # own session: a terminal Ctrl-C reaches livecut only, which then finishes
                # the stream and stops ffmpeg itself; ffmpeg also ends if livecut dies (EOF/EPIPE,
                # and the watchdog for a listener that waits)
                start_new_session=True)
        except OSError:
            self._stderr.close()
            if self._progress is not None:
                self._progress.close()
            raise
        finally:
            for fd in fds + list(watch.values()):
                os.close(fd)
        self.pipe: IO[bytes] = self.proc.stdin if writing else self.proc.stdout  # type: ignore[assignment]
        self.fd = self.pipe.fileno()
        os.set_blocking(self.fd, False)
        self.closed = False

    def scrub(self, text: str) -> str:
        return hide_secrets(text, self._secrets)

    def _lines(self) -> list[str]:
        try:
            self._stderr.seek(0)
            return self._stderr.read(65536).decode(errors="replace").splitlines()
        except (OSError, ValueError):
            return []

    def refusal(self) -> str | None:
        """What a listener's SRT library said of a caller it refused (see ``_SRT_TURNED_AWAY``), in
        words; None for a caller (its peer's rejection is :meth:`reason`'s) or when none was."""
        if srt_options(self.url).get("mode") != "listener":
            return None
        for line in self._lines():
            text = _PREFIX.sub("", line).strip()
            if _SRT_LOG.match(text):
                said = next((means for words, means in _SRT_TURNED_AWAY if words in text), None)
                if said:
                    return said
        return None

    def reason(self) -> str:
        """ffmpeg's first error message (redacted, without the URL), or its exit status."""
        if refused := self.refusal():
            return f"ffmpeg: {refused}"
        lines = self._lines()
        for i, line in enumerate(lines):
            text = self.scrub(_PREFIX.sub("", line).strip())
            if not text:
                continue
            if text.startswith("Connection setup failure: unable to create/configure SRT socket"):
                # (its reason is ffmpeg's next line, "srt://...: Address already in use": a
                # listener's port another program holds, an address not this machine's)
                why = next((m[1] for later in lines[i + 1:]
                            if (m := re.match(r"^[a-z]+://\S*?:\s+(\S.*)$", self.scrub(later.strip())))), None)
                if why and why != "Input/output error":
                    return f"ffmpeg: {text} ({why})"
            if _SRT_LOG.match(text):
                said = next((means for words, means in _SRT_REJECTS if words in text), None)
                if said:
                    return f"ffmpeg: {said}"
                text = _SRT_LOG.sub("", text)
            m = re.match(r"Failed to resolve hostname (\S+): (.*)$", text)
            if m:  # (as udp://, tcp:// and rtsp:// say it: "... Name or service not known")
                return f"ffmpeg: {unknown_host_text(m[1], 'temporary failure' in m[2].lower())}"
            m = re.match(r"Connection to \S+ failed(?::\s*(.*))?$", text)
            if m:
                detail = (m.group(1) or "").strip()
                return "ffmpeg: no SRT peer answered" + (
                    f" ({detail})" if detail and detail != "Input/output error" else "")
            if _LOST.match(text):  # (its write into a connection the peer ended or let drop)
                return LOST
            # "srt://host:port?...: Some error" -> "Some error" (our message names the URL), as
            # FFmpeg 9 says it too: "Error opening output srt://host:port?...: Some error"
            text = re.sub(r"^(?:Error opening (?:input|output) )?[a-z]+://\S*?:\s+(?=\S)", "", text)
            return f"ffmpeg: {text}"
        code = self.proc.poll()
        if code is None:
            return "ffmpeg is still running"
        return f"ffmpeg exited with status {code}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def lost(self) -> bool:
        """Whether ffmpeg ended because its SRT connection was lost (the peer closed it or
        stopped answering) once it had sent: a listener's viewer that left."""
        return not self.alive() and self.sent() and self.reason() == LOST

    def sent(self) -> bool:
        """Whether an output's ffmpeg got to sending: its output opened (a caller connected to
        its peer, a listener called), it reported its progress (its watchdog marks the file
        then).  Until then it holds the stream in its pipe (a listener nobody called, a caller
        whose peer does not answer)."""
        if self._progress is None:
            return True
        try:
            return os.fstat(self._progress.fileno()).st_size > 0
        except (OSError, ValueError):  # (closed)
            return True

    def terminate(self) -> None:
        """Ask ffmpeg to stop (thread-safe; does not wait)."""
        if self.proc.poll() is None:
            try:
                self.proc.terminate()
            except OSError:
                pass

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self, grace: float = 2.0) -> None:
        """Stop ffmpeg now: close our pipe, terminate, wait, kill.  Idempotent."""
        if self.closed:
            return
        self.closed = True
        try:
            self.pipe.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            self.terminate()
            if self.wait(grace) is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._stderr.close()
        if self._progress is not None:
            self._progress.close()


class PipeReader:
    """File-like reading of ffmpeg's stdout for ``av.open``; every read waits at most ``timeout``.

    ``deadline`` (monotonic), when set, bounds the total wait (the open timeout); ``stop``
    (a threading.Event), when set, ends a wait within 0.1 s (the reader was stopped).
    """

    def __init__(self, bridge: FfmpegBridge, timeout: float, stop=None) -> None:
        self.bridge = bridge
        self.timeout = timeout
        self.stop = stop
        self.deadline: float | None = None
        self.received = 0
        self.failed = False   # after one error, reads return EOF (PyAV keeps the first error)
        #: the error that ended a read while the stream opened (``deadline`` set): given to PyAV
        #: as EOF, for the opener to raise (see :meth:`read`)
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def read(self, n: int = 65536) -> bytes:
        if self.failed:
            return b""
        try:
            return self._read(max(1, min(int(n), 1 << 20)))
        except Exception as exc:
            self.failed = True
            if self.deadline is None:
                raise
            # (while the stream opens: PyAV 18 keeps ~14 KB of native memory for good each time
            # a read of av.open's raises -- an srt:// source that is down, retried for
            # video.reconnect_limit, ~4 MB an outage -- and prints 'PyAV library exception being
            # dropped'; EOF ends the open as well, and the opener raises this)
            self.error = exc
            return b""
        except BaseException:
            self.failed = True
            raise

    def _read(self, n: int) -> bytes:
        limit = self.deadline if self.deadline is not None else time.monotonic() + self.timeout
        while True:
            wait = limit - time.monotonic()
            if wait <= 0:  # (past the deadline: the open's time, not the stall timeout, ran out)
                raise TimeoutError("timed out" if self.deadline is not None
                                   else f"no data for {self.timeout:g} s")
            if self.stop is not None and self.stop.is_set():
                raise TimeoutError("stopped")
            try:
                ready, _, _ = select.select([self.bridge.fd], [], [], min(wait, 0.5 if self.stop is None else 0.1))
            except (OSError, ValueError):
                raise OSError("the ffmpeg pipe was closed") from None
            if not ready:
                continue
            try:
                data = os.read(self.bridge.fd, n)
            except BlockingIOError:
                continue
            except OSError:
                raise OSError("the ffmpeg pipe was closed") from None
            if data:
                self.received += len(data)
                return data
            # EOF: ffmpeg ended; an error exit becomes ffmpeg's message
            code = self.bridge.wait(2.0)
            if code not in (0, None, -15):
                raise ConnectionError(self.bridge.reason())
            return b""

    def close(self) -> None:  # the bridge owns the pipe
        pass


class PipeWriter:
    """File-like writing into ffmpeg's stdin for ``av.open(mode="w")``.

    A write that cannot proceed for ``timeout`` seconds (None: no limit) or a
    gone ffmpeg raises :class:`BrokenPipeError` carrying ffmpeg's message.
    """

    def __init__(self, bridge: FfmpegBridge, timeout: float | None) -> None:
        self.bridge = bridge
        self.timeout = timeout
        self.written = 0

    def writable(self) -> bool:
        return True

    def _gone(self) -> BrokenPipeError:
        self.bridge.wait(2.0)
        return BrokenPipeError(32, self.bridge.reason())

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        start = time.monotonic()
        while view:
            if self.timeout is not None and time.monotonic() - start > self.timeout:
                raise TimeoutError(f"ffmpeg took no data for {self.timeout:g} s")
            try:
                _, ready, _ = select.select([], [self.bridge.fd], [], 0.5)
            except (OSError, ValueError):
                raise self._gone() from None
            if not ready:
                if not self.bridge.alive():
                    raise self._gone()
                continue
            try:
                sent = os.write(self.bridge.fd, view)
            except BlockingIOError:
                continue
            except OSError:
                raise self._gone() from None
            view = view[sent:]
            self.written += sent
            start = time.monotonic()
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:  # the bridge owns the pipe
        pass


# ---------------------------------------------------------------- command lines
#
# ffmpeg only moves bytes ("data" in and out, no demuxing, no probing): PyAV
# demuxes / muxes the MPEG-TS itself.  That opens faster than remuxing (no
# second probe), adds no latency and does not hold back the last frames: a
# remuxing ffmpeg keeps the last PES until EOF and then closes the SRT socket at
# once, so the receiver lost the final frames in tests.  1316 bytes = 7 TS
# packets = one SRT live payload, so each SRT message stays TS-aligned.

TS_CHUNK = 1316


def check_listener_address(url: str) -> None:
    """A listening srt:// URL's address, bound for a moment as its ffmpeg will bind it: an OSError
    where it cannot be (an address this machine does not have, a port taken, a name that does not
    resolve).  Its ffmpeg said only "Connection setup failure: unable to create/configure SRT
    socket" first -- an output once the stream was under way ("waiting for an SRT caller",
    "streaming to ...", then "writing failed: ...") --, where tcp://...?listen=1 says "Cannot
    assign requested address" at once."""
    parts = urlsplit(url)
    error: OSError | None = None
    for family, kind, proto, _, addr in socket.getaddrinfo(parts.hostname or None, parts.port,
                                                           type=socket.SOCK_DGRAM, flags=socket.AI_PASSIVE):
        try:  # (any of the name's addresses: localhost's ::1 where IPv6 is off, its 127.0.0.1)
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # (as libsrt does)
                probe.bind(addr)
            return
        except OSError as exc:
            error = error or exc
    if error is not None:
        raise error


def input_args(url: str, open_timeout: float, read_timeout: float) -> list[str]:
    """ffmpeg arguments: receive ``url`` (SRT) and copy its bytes (MPEG-TS) to stdout."""
    return ["-nostdin",
            "-connect_timeout", str(int(open_timeout * 1000)),     # ms (caller)
            "-timeout", str(int(max(read_timeout, 1.0) * 2e6)),    # µs, socket I/O
            "-f", "data", "-raw_packet_size", str(TS_CHUNK), "-i", url,
            "-map", "0", "-c", "copy", "-f", "data", "-flush_packets", "1", "pipe:1"]


#: SRT options that are secrets: taken out of an output URL and given to ffmpeg in a preset
#: (see :func:`hidden_options`); a stream ID may hold a login (MediaMTX's
#: ``publish:PATH:USER:PASS``, ``s=`` of ``#!::...``).  (Not ``srt_streamid``: FFmpeg reads no
#: such key from a URL, only as an option, where the preset would start it counting.)
SECRET_OPTIONS = ("passphrase", "streamid")


def hidden_options(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its secret SRT options, and those options, for :class:`FfmpegBridge`'s
    ``preset``: a process's command line is seen by every local user.  The values go as FFmpeg
    reads them from the URL (``av_find_info_tag``): its SRT query runs to the URL's end (a ``#``
    is a character of a value, there is no fragment), a ``+`` is a space and nothing else is
    decoded.  (ffmpeg takes a preset for an output only: an input's passphrase and stream ID
    stay in its URL; and FFmpeg 9 drops a preset's options: see
    :func:`presets_reach_the_output`.)  Of a key given twice FFmpeg takes the first: that one is
    hidden (or, one a preset cannot hold, kept), the others, which it ignores, left out (both
    were left in the URL, on the command line)."""
    head, sep, query = url.partition("?")
    kept, hidden, seen, dropped = [], {}, set(), False
    for item in query.split("&") if sep else []:
        key, eq, value = item.partition("=")
        if key in SECRET_OPTIONS and key in seen:
            dropped = True
            continue
        seen.add(key)
        # (a preset's line: no line break in it, under ffmpeg's 1000 characters)
        if key in SECRET_OPTIONS and eq and value and not re.search(r"[\r\n]", value) and len(item) < 900:
            hidden[key] = value.replace("+", " ")
        else:
            kept.append(item)
    if not (hidden or dropped):
        return url, {}
    return head + ("?" + "&".join(kept) if kept else ""), hidden


def output_args(url: str, open_timeout: float, *, limited: bool = True) -> list[str]:
    """ffmpeg arguments: copy the MPEG-TS bytes on stdin to ``url`` (SRT).  ``limited`` False: a
    listener waits for its caller with no time limit (the URL's own ``listen_timeout`` left out)."""
    if not limited:
        head, sep, query = url.partition("?")
        kept = [item for item in query.split("&") if item.partition("=")[0] != "listen_timeout"] if sep else []
        url = head + ("?" + "&".join(kept) if kept else "")
    return ["-f", "data", "-raw_packet_size", str(TS_CHUNK), "-i", "pipe:0",
            "-map", "0", "-c", "copy", "-connect_timeout", str(int(open_timeout * 1000)),  # ms (caller)
            "-listen_timeout", str(int(open_timeout * 1_000_000) if limited else -1),     # µs (listener)
            "-f", "data", "-flush_packets", "1", url]
