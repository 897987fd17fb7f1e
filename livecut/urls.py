"""Network URLs: recognising them, hiding their credentials, FFmpeg options per protocol.

Every message or log line that shows a URL goes through :func:`redact_url`, so
``rtsp://user:secret@cam/stream`` is shown as ``rtsp://***@cam/stream`` and an RTMP stream
key, ``rtmp://host/app/KEY``, as ``rtmp://host/app/***``.
"""

from __future__ import annotations

import functools
import numbers
import os
import re
import string
from pathlib import Path
from typing import Iterable
from urllib.parse import parse_qsl, quote, unquote, unquote_plus, urlencode, urlsplit, urlunsplit

#: schemes livecut reads from (through PyAV/FFmpeg)
INPUT_SCHEMES = ("rtsp", "rtsps", "http", "https", "udp", "srt", "rtmp", "rtmps", "tcp")
#: schemes livecut can write to
OUTPUT_SCHEMES = ("udp", "srt", "rtsp", "rtsps", "rtmp", "rtmps", "tcp")

# query keys whose value is a secret (SRT passphrase, tokens, keys, a camera's login: "loginpas",
# "pw", "psw" as well as "password" and "pwd" ...); and the names streaming servers and CDNs give
# a token, a signature or a session (a "tok=", "jwt=", "hmac=", nginx's secure_link "md5=", a
# "hash=", "session=", Synology's "_sid=", Tvheadend's "ticket=", Akamai's "hdnts=" were shown as
# they are in every message) -- the short ones as a word of the name ("tok", "sid", "hash", "md5":
# not "stok", "inside", "hashtag"); a "t=", "h=", "start=" stay shown
_SECRET_KEYS = re.compile(r"(pas|pwd|^pw$|psw|secret|token|key|auth|sig|signature|credential|jwt|hmac|sess"
                          r"|ticket|hdn(ts|ea|tl)|(?<![a-z])(tok|sid|hash|md5)(?![a-z]))", re.I)
# ... but not a key's length (SRT's pbkeylen=0, 16, 24 or 32: it was shown as "pbkeylen=***")
_KEY_LENGTH = re.compile(r"key_?len(gth)?$", re.I)
# a NAME=VALUE pair in a URL's path, where some cameras take their login (the XMEye ones':
# rtsp://IP:554/user=admin&password=...&channel=1&stream=0.sdp, or with _ between the pairs; or in
# the query with ; between them, or the fragment): the value runs up to the next & / ; ? # or
# _NAME=; a secret one's past a / ? or # (a password may hold one, sent to the camera as written:
# "password=pa/ss&channel=1" was shown as "password=***/ss&channel=1", "pa#ss" as "***#ss"), up to
# & ; or _NAME= -- the rest of the address after it is hidden with it ("pwd=***" for
# "pwd=PW/video.mjpg")
_PATH_PAIR = re.compile(r"([A-Za-z_]+)=(.*?)(?=_[A-Za-z]+=|[&/;?#]|$)")
_SECRET_VALUE_END = re.compile(r"_[A-Za-z]+=|[&;]|$")
# a login inside a URL's path or query: of a URL given whole to a proxy or restreamer
# (http://proxy/api?src=rtsp://USER:PASS@cam/live), or a path's segment or a query's value
# USER:PASS@... (?src=USER:PASS@cam); or one hidden already, ***@ (a message redacted again: the
# CLI's stderr redacts what it is given)
_INNER_USERINFO = re.compile(r"(?<=://)[^/?#@\s]+@")
_SEGMENT_LOGIN = re.compile(r"(?<=[/=])([^/?#@\s:&;=]+:[^/?#@\s&;]*|\*\*\*)@")
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]*[^\s'\"<>:,.;)]")


def _secret_key(name: str) -> bool:
    """Whether a query's (or a path's ``NAME=VALUE``) ``name`` holds a secret value."""
    return bool(_SECRET_KEYS.search(name)) and not _KEY_LENGTH.search(name)


def file_for_ffmpeg(path) -> str:
    """The name FFmpeg is to open a local file ``path`` by: absolute, for FFmpeg reads a
    relative name with a colon as a URL (``take:1.mp4``: protocol "take"; a temporary
    ``.12:30.mp4.livecut-...``: protocol ".12"), "Protocol not found"."""
    return os.path.abspath(path)


def spec_text(spec, owner: str, camera: bool = False, empty: bool = False) -> str:
    """The text of a source or sink ``spec``: a string, a path (``pathlib.Path``) or, where
    ``camera``, a camera index (an int); another type is a
    :class:`~livecut.errors.ConfigTypeError` naming ``owner`` (a Path was an AttributeError in
    open_sink; None, bytes or a float were "None: no such file" from open_source).  An empty
    one, unless ``empty``, is a :class:`~livecut.errors.UsageError` saying what to give (it was
    ".: is a folder, not a video file" from open_source, "no sink can write this" from open_sink)."""
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if isinstance(spec, str):
        if not spec and not empty:
            from livecut.errors import UsageError

            want = "a path, a URL or a camera index" if camera else "a path, a URL or - (standard output)"
            raise UsageError(f"{owner}: spec is empty: give {want}")
        return spec
    if camera and isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        return str(int(spec))  # (numpy's 0 too)
    from livecut.errors import ConfigTypeError

    want = "a path, a URL or a camera index" if camera else "a path or a URL"
    hint = "; decode it: spec.decode()" if isinstance(spec, bytes) else ""
    raise ConfigTypeError(f"{owner}: spec must be {want}, got {type(spec).__name__}{hint}")


def url_scheme(spec: str) -> str:
    """Lower-case scheme of ``spec`` ('' if it is not a URL)."""
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", str(spec))
    return m.group(1).lower() if m else ""


def mistyped_url(spec: str, publishing: bool = False) -> str | None:
    """The message refusing ``spec`` as a file name where it is a URL of a scheme livecut reads
    or writes with its ``://`` mistyped (``rtsp:/HOST``, ``rtsp:\\\\HOST``, ``rtsp:://HOST``,
    ``rtsp:USER:PASS@HOST``, or ``udp//HOST:PORT``
    and ``rtmp//USER:PASS@HOST`` -- a host's ``:`` or a login's ``@`` in its first part), shown
    redacted, with the URL meant; else None.  (``-o rtsp:/USER:PASS@cam/live`` was taken for a
    file: "rtsp:/USER:PASS@cam/live: unknown video type '(no extension)'", the password shown;
    ``-o udp//127.0.0.1:5000`` "udp/127.0.0.1:5000: unknown video type '.1:5000'".)"""
    text = str(spec)
    if url_scheme(text):
        return None
    # (and rtsp:://USER:PASS@HOST, rtsp::USER:PASS@HOST, rtsp:USER:PASS@HOST -- a login after a
    # bare colon --, which were taken for files: "rtsp::/USER:PASS@HOST/live: no such file")
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)(:+[/\\]+|:{2,}|//|:(?=[^/\\@]*@))(?=[^/\\])", text)
    if not m or m[1].lower() not in INPUT_SCHEMES + OUTPUT_SCHEMES:
        return None
    rest = text[m.end():]
    if m[2] == "//" and not re.match(r"[^/\\]*[:@]", rest):
        return None  # (a folder's name: udp//clip.mp4 is udp/clip.mp4)
    meant = redact_url(f"{m[1]}://{rest}", publishing=publishing)
    shown = m[0] + meant.split("://", 1)[1]
    return f"{shown}: a URL needs '://' after its scheme: {meant}"


def not_local(text: str, why: str, streams: bool = True, pictures: bool = False) -> str | None:
    """The message refusing ``text`` where a local path is wanted, if it is a URL (redacted:
    as a ``Path`` its ``://`` would fold to ``:/``, out of reach of redaction); else None.
    ``why``: what needs a local path, e.g. "`livecut batch` reads local files". ``streams``:
    point at `livecut run`, which takes streams (not where no stream could serve: a folder of
    photos, a picture to write). ``pictures``: where a photo could serve (`livecut batch`), an
    ``http(s)://`` address of a picture (its path's extension a photo's) points at `livecut image
    URL`, which fetches it, and one that names neither a picture nor a video at both."""
    if not url_scheme(text):
        return None
    hint = " (use `livecut run` for streams)" if streams else ""
    if pictures and url_scheme(text) in ("http", "https"):
        kind = _named_kind(text)
        if kind == "picture":
            hint = " (`livecut image URL` fetches and cuts a picture at its http(s):// address)"
        elif kind is None:
            hint = (" (use `livecut image URL` for a picture at its http(s):// address" +
                    (", `livecut run` for streams)" if streams else ")"))
    return f"{redact_url(text)}: is a URL; {why}{hint}"


def _named_kind(url: str) -> str | None:
    """'picture' or 'video' as the extension of ``url``'s path names one (``.../photo.jpg``,
    ``.../clip.mp4``), else None (``http://cam/snapshot.cgi``, ``.../live.m3u8``)."""
    from livecut.batch import VIDEO_EXTS
    from livecut.imageio import IMAGE_EXTS, NAMED_ONLY_EXTS

    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None
    ext = os.path.splitext(path.rstrip("/"))[1].lower()
    return "picture" if ext in IMAGE_EXTS + NAMED_ONLY_EXTS else "video" if ext in VIDEO_EXTS else None


def lower_scheme(url: str) -> str:
    """``url`` with its scheme in lower case (``RTSP://cam/x`` -> ``rtsp://cam/x``): schemes are
    case-insensitive, FFmpeg's protocol names are not."""
    scheme = url_scheme(url)
    return scheme + str(url)[len(scheme):] if scheme else str(url)


def is_input_url(spec: str) -> bool:
    return url_scheme(spec) in INPUT_SCHEMES


def is_output_url(spec: str) -> bool:
    return url_scheme(spec) in OUTPUT_SCHEMES


#: bytes of an rtmp(s):// address after its server (application, key, query) that FFmpeg's RTMP
#: client reads (its path buffer: 1024 with the end's NUL)
_RTMP_PATH_MAX = 1023

#: schemes whose URL must name a port (FFmpeg has no default one for them)
_PORT_REQUIRED = ("udp", "srt", "tcp")
#: schemes whose URL must name a host (udp://, srt://, tcp:// without one listen on every address)
_HOST_REQUIRED = ("http", "https", "rtsp", "rtsps", "rtmp", "rtmps")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a stream address (no host, a missing or impossible port, an IPv4
    address out of range), or None.  Caught at once instead of after a connection timeout.  Only the
    part after the last ``@`` is read (a password may hold any character)."""
    scheme = url_scheme(url)
    rest = str(url).split("://", 1)[1] if "://" in str(url) else ""
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if _hidden_userinfo(str(url)):
        return ("its user or password holds / ? or #, which end the address there: write them "
                "percent-encoded (%2F %3F %23)")
    query = rest[len(netloc):]
    hostport = netloc.rsplit("@", 1)[-1]
    if hostport.startswith("["):  # [IPv6]:port
        host, _, tail = hostport[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
    else:
        host, _, port_text = hostport.partition(":")
    if not host and scheme in _HOST_REQUIRED:  # (FFmpeg's answer: "Connection refused")
        return f"the address names no host (e.g. {scheme}://192.168.1.10/...)"
    if port_text:
        if not port_text.isascii() or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            return "the port must be a number from 1 to 65535"
    elif scheme in _PORT_REQUIRED and "localport=" not in query:
        return f"{scheme}:// needs a port (e.g. {scheme}://127.0.0.1:5000)"
    if re.fullmatch(r"\d+(\.\d+){3}", host, re.ASCII) and any(int(o) > 255 for o in host.split(".")):
        return f"{host} is not an IPv4 address"
    # (FFmpeg's RTMP client ends the address at its first space, librtmp's options after it, and
    # takes no %20 for one: rtmp://HOST/live/ab cd published the key "ab", another stream, as a
    # success; a space the address ends with, pasted with it, is left out as it means to be)
    if scheme in ("rtmp", "rtmps") and " " in query.rstrip(" "):
        return ("FFmpeg's RTMP client cannot send a space in the application or stream key (it ends the "
                "address there, and sends %20 as written)")
    # (FFmpeg's RTSP client puts the address in its request line as written, a space too: the
    # server took it for a broken request, "Server returned 400 Bad Request" when reading and "the
    # server reset the connection" when publishing; one the address ends with is left out)
    if scheme in ("rtsp", "rtsps") and " " in query.rstrip(" "):
        return ("FFmpeg's RTSP client sends a space in the address as it is, which the server refuses as a "
                "broken request: write it %20")
    # (it reads the address after the server into 1024 bytes: a longer key, a long token in its
    # query, was published cut, another stream, as a success)
    size = len(query.rstrip(" ").encode("utf-8", "surrogateescape"))
    if scheme in ("rtmp", "rtmps") and size > _RTMP_PATH_MAX:
        return (f"the address after the server is {size} bytes long: FFmpeg's RTMP client sends at most "
                f"{_RTMP_PATH_MAX} of it (it cuts the stream key)")
    if scheme == "srt":
        options = srt_options(url)
        # (libsrt refuses any other length: "failed to set option SRTO_PASSPHRASE on socket:
        # Operation not supported: Bad parameters", exit 1, at the first write of an output)
        # (FFmpeg reads an SRT query to the URL's end: a # is the passphrase's too; it takes the
        # first passphrase=, an empty one none: every one was checked, a second one's length
        # refused an address FFmpeg takes, and a "?passphrase=" inside a stream ID's value)
        raw = options.get("passphrase", "")
        if raw and (len(raw) < 10 or len(unquote(raw)) > 79):
            return "an SRT passphrase must be 10 to 79 characters long"
        # (FFmpeg reads the first mode=, as written: any other value, srt-live-transmit's
        # "server" or a "Listener", was "Invalid argument" -- an output's, a write error, exit 1)
        if "mode" in options and options["mode"] not in ("caller", "listener", "rendezvous"):
            return "an SRT mode must be caller, listener or rendezvous"
        return _srt_number_problem(options)
    if scheme == "udp":
        given = [(key, value.replace("+", " ")) for key, _, value in
                 (item.partition("=") for item in str(url).partition("?")[2].split("&"))]
        if problem := _no_number(given, _UDP_INTS, "a UDP"):
            return problem
        # (each given, as for tcp://: PyAV's FFmpeg sets them all, and refuses at the first that is
        # none -- ?pkt_size=1316&pkt_size=abc was "Invalid argument", the first one alone checked)
        for key, value in given:
            if problem := _udp_number_problem({key: value}):
                return problem
    if scheme == "tcp":
        # (each given: FFmpeg sets them one after the other, and refuses at the first that is none)
        given = parse_qsl(query.partition("?")[2].partition("#")[0], keep_blank_values=True)
        if problem := _no_number(given, _TCP_NUMBERS, "a TCP"):
            return problem
        for key, value in given:
            if problem := _whole_numbers({key: value}, _TCP_NUMBERS, "a TCP", {}):
                return problem
        listens = _tcp_listen_values(url)
        if any(v is None for v in listens):
            return "a TCP listen must be 0, 1 or 2 (?listen alone is 1)"
        if listens and listens[-1] == 2:  # (an input's FFmpeg reads its listening socket: ENOTCONN)
            return ("a TCP listen=2 is FFmpeg's multi-client mode (its HTTP server's), which a tcp:// stream "
                    "cannot use: listen=1 waits for one peer")
    return None


#: a tcp:// URL's ``listen`` value as FFmpeg (PyAV's) reads it: a number (its expression
#: evaluator takes signs, a fraction, an exponent), 0 to 2, rounded to the nearest (half to even)
_LISTEN_NUMBER = re.compile(r"\s*([+-]*)\s*(0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*",
                            re.ASCII)


def _tcp_listen_values(url: str) -> list[int | None]:
    """Each ``listen`` of a tcp:// URL's query, as FFmpeg (PyAV's) reads it: the key as written,
    key and value percent-decoded, a bare ``listen`` 1, a number 0-2 rounded; None for a value
    it refuses ("Invalid argument": ``listen=yes``, ``listen=``; "Numerical result out of range":
    ``listen=3``)."""
    out: list[int | None] = []
    for item in str(url).partition("?")[2].partition("#")[0].split("&"):
        key, eq, value = item.partition("=")
        if unquote(key) != "listen":
            continue
        if not eq:
            out.append(1)
            continue
        m = _LISTEN_NUMBER.fullmatch(unquote(value))
        number = None
        if m:
            number = (int(m[2], 16) if m[2][1:2] in "xX" else float(m[2])) * (-1) ** m[1].count("-")
        out.append(round(number) if number is not None and 0 <= number <= 2 else None)
    return out


def input_listens(url: str) -> bool:
    """Whether an input URL waits for its sender to connect to it (a tcp:// ``?listen``, an srt://
    ``mode=listener``) rather than reaching a server."""
    scheme = url_scheme(url)
    if scheme == "tcp":
        return tcp_listens(url)
    return scheme == "srt" and srt_options(url).get("mode") == "listener"


def tcp_listens(url: str) -> bool:
    """Whether a tcp:// URL listens (its last ``listen``, as FFmpeg takes it, is not 0); a
    value FFmpeg refuses is :func:`url_problem`'s to say."""
    values = _tcp_listen_values(url)
    return bool(values and values[-1])


#: TCP options read as a whole number: by FFmpeg, an input's ("cannot open the stream: Invalid
#: argument", the option unnamed), and by livecut's own tcp:// output, which left out a value that
#: is none without a word (listen_timeout=1.5s waited video.open_timeout for its viewer)
_TCP_NUMBERS = ("timeout", "listen_timeout", "send_buffer_size", "recv_buffer_size", "tcp_mss")


#: UDP options FFmpeg reads from a URL as a whole number, with strtol: a value that is none was 0
#: (pkt_size=abc: "cannot start the stream: Invalid argument", exit 1, the option unnamed;
#: buffer_size=64k: a buffer of 64 bytes, without a word)
_UDP_NUMBERS = ("ttl", "udplite_coverage", "localport", "pkt_size", "buffer_size", "connect", "fifo_size",
                "broadcast", "bitrate", "burst_bits", "timeout", "reuse", "overrun_nonfatal")


#: the UDP options PyAV's FFmpeg reads as a number (not a yes/no one: ?reuse alone, or reuse=, it takes)
_UDP_INTS = ("ttl", "udplite_coverage", "localport", "pkt_size", "buffer_size", "fifo_size", "bitrate",
             "burst_bits", "timeout")


def _no_number(given: list[tuple[str, str]], keys: tuple[str, ...], what: str) -> str | None:
    """Why one of ``keys`` among the query's ``given`` (key, value) pairs has no value (``?ttl``,
    ``?pkt_size=``), or None.  PyAV's FFmpeg refuses such a number of a udp:// or tcp:// URL: "cannot
    open the stream: Invalid argument" (an output's "cannot start the stream", exit 1), the option
    unnamed.  (SRT goes through the system's ffmpeg, whose empty numbers are taken.)"""
    for key, value in given:
        if key in keys and not value.strip():
            return f"{what} {key} must be a whole number"
    return None


def _udp_number_problem(values: dict[str, str]) -> str | None:
    """Why a UDP URL's options ``values`` (see :func:`srt_options`: FFmpeg reads both alike) have
    a value FFmpeg reads as another number, or a ttl out of 0-255, which it refuses; or None."""
    numbers: dict[str, int] = {}  # (reuse and overrun_nonfatal alone, without a value, are 1)
    problem = _whole_numbers(values, _UDP_NUMBERS, "a UDP", numbers)
    if problem:
        return problem
    if not 0 <= numbers.get("ttl", 0) <= 255:  # (FFmpeg: "Numerical result out of range", exit 1)
        return "a UDP ttl must be 0 to 255"
    return None


def _whole_numbers(values: dict[str, str], keys: tuple[str, ...], what: str, numbers: dict[str, int],
                   any_base: tuple[str, ...] = ()) -> str | None:
    """Why one of ``keys`` in ``values`` is no whole number (``what``: "an SRT"), or None; the
    ones given go into ``numbers``.  Empty values are left out, and hex (0x...) of ``any_base``
    keys is taken without a number."""
    for key in keys:
        text = values.get(key, "").strip()
        if not text:
            continue
        if key in any_base and re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]+", text):
            continue
        if not re.fullmatch(r"[+-]?[0-9]+", text, re.ASCII):
            return f"{what} {key} must be a whole number"
        numbers[key] = int(text)
    return None


def srt_options(url: str) -> dict[str, str]:
    """The options of an srt:// ``url``'s query as FFmpeg reads them (``av_find_info_tag``): the
    query runs from the first ``?`` to the URL's end (a ``#`` is a character of a value, there is
    no fragment), the first of a key counts, its name as written (``MODE=`` is no mode), a ``+``
    is a space and nothing else is decoded; a key without ``=`` has the value ''."""
    head, sep, query = str(url).partition("?")
    values: dict[str, str] = {}
    for item in query.split("&") if sep else []:
        key, _, value = item.partition("=")
        values.setdefault(key, value.replace("+", " "))
    return values


#: SRT options FFmpeg (5, 6) reads from a URL as a whole number, with strtol: a value that is none
#: was another (latency=abc: 0, connect_timeout=2.5: 2, latency=120ms: 120 µs) -- a stream that
#: went wrong without a word; hex (0x...) for the two read in any base.  (Not its booleans,
#: tlpktdrop= ..., which newer FFmpegs read as words.)
_SRT_NUMBERS = ("pbkeylen", "kmrefreshrate", "kmpreannounce", "mss", "ffs", "ipttl", "iptos", "inputbw",
                "oheadbw", "latency", "tsbpddelay", "rcvlatency", "peerlatency", "connect_timeout",
                "payload_size", "pkt_size", "sndbuf", "rcvbuf", "lossmaxttl", "linger", "timeout",
                "listen_timeout", "maxbw", "minversion")
_SRT_ANY_BASE = ("maxbw", "minversion")


def _srt_number_problem(values: dict[str, str]) -> str | None:
    """Why an SRT URL's options ``values`` (see :func:`srt_options`) have a value FFmpeg reads as
    another number, or one libsrt refuses (an output printed "streaming to" and failed with its
    words, exit 1), or None.  A value below 0 leaves the option unset."""
    numbers: dict[str, int] = {}
    problem = _whole_numbers(values, _SRT_NUMBERS, "an SRT", numbers, any_base=_SRT_ANY_BASE)
    if problem:
        return problem
    # (libsrt's refusals: "Invalid value for option SRTO_PBKEYLEN", "SRTO_PAYLOADSIZE: value exceeds
    # SRT_LIVE_MAX_PLSIZE" -- FFmpeg takes payload_size before pkt_size -- and "Bad parameters")
    size_key = "payload_size" if "payload_size" in numbers else "pkt_size"
    if numbers.get("pbkeylen", -1) >= 0 and numbers["pbkeylen"] not in (0, 16, 24, 32):
        return "an SRT pbkeylen must be 0, 16, 24 or 32 (the key's length in bytes)"
    if numbers.get(size_key, 0) > 1456:
        return f"an SRT {size_key} must be at most 1456 (1316, 7 MPEG-TS packets, is usual)"
    if numbers.get("ipttl", -1) >= 0 and not 1 <= numbers["ipttl"] <= 255:
        return "an SRT ipttl must be 1 to 255"
    if 0 <= numbers.get("mss", -1) < 76:
        return "an SRT mss must be at least 76"
    return None


def _hidden_userinfo(text: str, strict: bool = False) -> bool:
    """Whether ``text`` has a ``user:password`` whose password holds an unencoded ``/``, ``?``
    or ``#``: a URL parser stops the address there, and would show the rest of the password
    as a path (an ``@`` later in the text, not in the parser's address, after a ``user:``)."""
    if "://" not in text:
        return False
    rest = text.split("://", 1)[1]
    if "@" not in rest:
        return False
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in netloc or ":" not in netloc or netloc.startswith("["):  # ([IPv6] host)
        return False
    # "user:pa" before the / of "user:pa/ss@host"; "host:8080" before "/path@x" is a port --
    # unless strict, for redaction: "user:2024/x@host" may be a password of digits too, but not
    # where an @ is in a secret NAME=VALUE after it, a camera's password ("cam:554/user=admin&
    # password=p@ss&channel=1", "cam:80/x.cgi?pwd=p@ss"): taken for a user:password, its end
    # after the @ was shown
    if not netloc.rsplit(":", 1)[1].isdigit():
        return True
    tail = rest[len(netloc):]
    # (nor where the @ is a URL's in the path or query: "proxy:1984/api?src=rtsp://u:p@cam", see
    # _INNER_USERINFO; the first @, "admin:2024/x@cam/live?src=rtsp://u:p@cam2" is a password;
    # nor a login's of a path's segment or a query's value, "cam:8554/live/u:p@cam2", see
    # _SEGMENT_LOGIN, nor one in a NAME=VALUE's value, "cam:80/x.cgi?user=bob@example.com": taken
    # for a password, all up to it was hidden, the host too)
    before = tail.split("@", 1)[0]
    # (nor one in an RTMP stream key, as FFmpeg reads it after the host's port:
    # rtmp://HOST:1935/live/ab@cd was shown rtmp://***@cd, a host that is not the server's)
    return strict and not _rtmp_key(url_scheme(text), before) and not any("@" in tail[a:b] for a, b in _path_secrets(tail)) and \
        "://" not in before and "=" not in re.split(r"[/?&;]", before)[-1] and \
        not any(m.end() == tail.find("@") + 1 for m in _SEGMENT_LOGIN.finditer(tail))


def _rtmp_server(rest: str) -> str:
    """The server (HOST:PORT) of an rtmp-family URL whose ``rest`` follows its ``://``, as
    FFmpeg reads it: up to the first / ? or #."""
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _path_secrets(text: str) -> list[tuple[int, int]]:
    """The (start, end) in ``text`` (a URL's path, perhaps with its query and fragment) of the
    values of its secret ``NAME=VALUE`` pairs (a camera's login, see ``_PATH_PAIR``)."""
    spans, pos = [], 0
    while m := _PATH_PAIR.search(text, pos):
        start, end = m.span(2)
        if _secret_key(m.group(1)):
            end = _SECRET_VALUE_END.search(text, end).start()
            spans.append((start, end))
        pos = max(end, m.end(), m.start() + 1)
    return spans


def _tail(parts) -> str:
    """The path, ?query and #fragment of the split URL ``parts``, as urlunsplit writes them."""
    return (parts.path + ("?" + parts.query if parts.query else "")
            + ("#" + parts.fragment if parts.fragment else ""))


def _rtmp_key(scheme: str, path: str) -> str:
    """The stream key (play path) of an rtmp-family URL's ``path``: what follows the
    application, its first segment ('' when there is none).  (FFmpeg sends a ?query and a
    #fragment after it as the key's: given a path with them, they are in it.)"""
    if not scheme.lower().startswith("rtmp"):
        return ""
    parts = path.split("/", 2)
    return parts[2] if len(parts) > 2 else ""


#: the ports of UniFi Protect's streams (rtsps:// and rtsp://), whose path is the stream's token
_UNIFI_PORTS = (7441, 7447)
# UniFi Protect's token: the whole path, one segment of letters and digits in both cases
# (16 of them, rtsps://HOST:7441/aBcD1234eFgH5678?enableSrtp), not a camera's stream name
# (/stream1, /live/ch00_0, /h264Preview_01_main)
_UNIFI_TOKEN = re.compile(r"/((?=[A-Za-z0-9]*[a-z])(?=[A-Za-z0-9]*[A-Z])[A-Za-z0-9]{12,})")


def _path_token(parts) -> str:
    """The token that is the whole path of an rtsp(s):// URL split as ``parts`` where it is
    UniFi Protect's (its port 7441 or 7447, or its ``?enableSrtp``; see ``_UNIFI_TOKEN``), else ''."""
    if parts.scheme.lower() not in ("rtsp", "rtsps"):
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    if port not in _UNIFI_PORTS and "enablesrtp" not in parts.query.lower().split("&"):
        return ""
    m = _UNIFI_TOKEN.fullmatch(parts.path)
    return m[1] if m else ""


#: query keys whose value is an SRT stream ID (FFmpeg's libsrt option and its alias)
_STREAM_ID_KEYS = ("streamid", "srt_streamid")


# the stream key of a resource a stream ID publishes to: all after its first segment, the
# application, as of an RTMP URL (see _rtmp_key) -- SRS's and ZLMediaKit's r=APP/STREAM, an
# ingest service's r=live/KEY, MediaMTX's publish:live/KEY --, up to a query of its own
# (SRS's live/KEY?secret=...); a resource of one segment (r=live) has none
_RESOURCE_KEY = re.compile(r"(/*[^/?]*/)([^?]+)")


def _access_items(value: str) -> tuple[list[tuple[str, str, str]], int]:
    """The ``KEY=VALUE`` items of a stream ID ``value`` in the access-control syntax (``#!::...``),
    each partitioned, and the index of the resource its stream key is in where it publishes
    (``m=publish``): ``r=``, or SRS's older ``h=APP/STREAM`` where there is no ``r=``; else -1."""
    items = [item.partition("=") for item in value[4:].split(",")]
    keys = [key.strip() for key, _, _ in items]
    if not any(k == "m" and val.strip() == "publish" for k, (_, _, val) in zip(keys, items)):
        return items, -1  # (m= is "request" where it is not given: a reader's)
    if "r" in keys:
        return items, keys.index("r")
    if "h" in keys and "/" in items[keys.index("h")][2]:
        return items, keys.index("h")
    return items, -1


def _bare_stream_id(value: str) -> bool:
    """Whether an SRT stream ID ``value`` is in neither the access-control syntax (``#!::...``)
    nor MediaMTX's ``ACTION:PATH...``: what an output sends as it is, the stream key itself where
    an ingest service gives one (Mux's and Restream's ``srt://HOST:PORT?streamid=KEY``)."""
    return bool(value) and not value.startswith("#!::") and value.split(":")[0] not in ("publish", "read")


def _stream_id_secrets(value: str, publishing: bool = False) -> list[str]:
    """The secrets in an SRT stream ID ``value`` (decoded): a server's login in it -- MediaMTX's
    ``ACTION:PATH:USER:PASS[:QUERY]`` (or ``ACTION:PATH:QUERY``, a token): all after the path;
    in the access-control syntax ``#!::r=PATH,m=publish,u=USER,s=PASS``, ``s=`` (the session,
    MediaMTX's password) and a secret ``NAME=VALUE`` of a resource's query (SRS's ``?secret=``);
    and the stream key of a stream ID that publishes, as of an RTMP URL (see ``_RESOURCE_KEY``:
    ``publish:live/KEY``, ``#!::r=live/KEY,m=publish``) -- of an output's (``publishing``) stream
    ID in neither form, the whole of it (see :func:`_bare_stream_id`)."""
    if publishing and _bare_stream_id(value):
        # (and its key alone where it is a path, SRT Live Server's HOST/APP/KEY)
        return [value, *(m[2] for m in [_RESOURCE_KEY.match(value)] if m)]
    if value.startswith("#!::"):
        out = []
        items, resource = _access_items(value)
        for i, (key, _, val) in enumerate(items):
            if key.strip() == "s":
                out.append(val)
            out += [m[2] for m in re.finditer(r"[?&]([^=&]+)=([^&]*)", val) if _secret_key(m[1])]
            if i == resource and (m := _RESOURCE_KEY.match(val)):
                out.append(m[2])
        return [s for s in out if s]
    parts = value.split(":")
    out = []
    if parts[0] == "publish" and len(parts) >= 2 and (m := _RESOURCE_KEY.match(parts[1])):
        out.append(m[2])
    if parts[0] in ("read", "publish") and 3 <= len(parts) <= 5:
        # (the user's and the password's parts alone too, for a text that names one of them)
        out += [":".join(parts[2:]), *parts[3 if len(parts) > 3 else 2:]]
    return [s for s in dict.fromkeys(out) if s]


def _hide_stream_id(value: str, publishing: bool = False) -> str:
    """``value``, an SRT stream ID, with its secrets (see :func:`_stream_id_secrets`) as ``***``."""
    if publishing and _bare_stream_id(value):  # (the whole of it: see _stream_id_secrets)
        return "***"
    secrets = _stream_id_secrets(value)
    if not secrets:
        return value
    if not value.startswith("#!::"):
        parts = value.split(":")
        if parts[0] == "publish" and len(parts) >= 2:
            parts[1] = _RESOURCE_KEY.sub(r"\1***", parts[1], count=1)
        if parts[0] in ("read", "publish") and 3 <= len(parts) <= 5:
            parts[2:] = ["***"]
        return ":".join(parts)
    items, resource = _access_items(value)
    out = []
    for i, (key, eq, val) in enumerate(items):
        if key.strip() == "s" and val:
            val = "***"
        val = re.sub(r"([?&]([^=&]+)=)([^&]*)",
                     lambda m: m[1] + ("***" if _secret_key(m[2]) and m[3] else m[3]), val)
        if i == resource:
            val = _RESOURCE_KEY.sub(r"\1***", val, count=1)
        out.append(key + eq + val)
    return "#!::" + ",".join(out)


#: what a stream ID with a secret is shown with unencoded (see _shown_pair): all but the query's
#: & and +, a %, a space and the quotes and brackets a URL in a message ends at
_ID_SHOWN = "".join(c for c in string.punctuation if c not in "&+%\"'<>\\")


def _shown_pair(item: str, publishing: bool = False) -> str:
    """One ``NAME=VALUE`` of a query, as :func:`redact_url` shows it: as written, but a secret
    value as ``***`` and the secrets of an SRT stream ID hidden (a login in it, MediaMTX's
    ``streamid=publish:PATH:USER:PASS``, was shown), that ID decoded.  (The query was decoded
    and encoded anew where it had a secret: ``streamid=#!::r=live,u=bob`` beside a passphrase
    was shown ``streamid=%23%21::r%3Dlive%2Cu%3Dbob``.)  ``publishing``: of an output's URL (see
    :func:`redact_url`)."""
    key, eq, value = item.partition("=")
    name = unquote_plus(key)
    if eq and _secret_key(name):
        return key + "=***"
    if eq and name.lower() in _STREAM_ID_KEYS and _stream_id_secrets(unquote_plus(value), publishing):
        return key + "=" + quote(_hide_stream_id(unquote_plus(value), publishing), safe=_ID_SHOWN)
    if _INNER_USERINFO.search(value):  # (a URL with its login: go2rtc's ?src=rtsp://USER:PASS@cam/...)
        return key + eq + _INNER_USERINFO.sub("***@", value)
    if eq and _INNER_USERINFO.search(unquote_plus(value)):  # (the same, encoded: shown decoded)
        return key + "=" + quote(_INNER_USERINFO.sub("***@", unquote_plus(value)), safe=_ID_SHOWN)
    return item


def _access_id_spans(tail: str) -> list[tuple[int, int]]:
    """The (start, end) in ``tail`` (a URL's path and query, see :func:`_tail`) of the values
    of its query's SRT stream IDs in the access-control syntax (``streamid=#!::...``)."""
    query_at = tail.find("?")
    if query_at < 0:
        return []
    return [(query_at + m.start(2), query_at + m.end(2))
            for m in re.finditer(r"[?&]([^=&]+)=([^&]*)", tail[query_at:])
            if unquote_plus(m[1]).lower() in _STREAM_ID_KEYS and unquote_plus(m[2]).startswith("#!::")]


def _srt_whole_query(text: str, parts):
    """``parts``, ``urlsplit(text)``, with an srt:// URL's "fragment" put back at the end of its
    query: FFmpeg reads an SRT query to the URL's end, a ``#`` a character of a value (ffmpeg 5
    and 6 decode no %23: a stream ID in the access-control syntax is written ``#!::...`` there)."""
    if parts.scheme.lower() != "srt" or not parts.fragment or "?" not in text.split("#", 1)[0]:
        return parts
    return parts._replace(query=parts.query + "#" + parts.fragment, fragment="")


def redact_url(url: str, publishing: bool = False) -> str:
    """``url`` with user, password, secret query values (and secret ``NAME=VALUE`` pairs of its
    path, a camera's login) and an RTMP stream key replaced by ``***``.  ``publishing``: ``url``
    is an output's, whose SRT stream ID in neither the ``#!::`` nor MediaMTX's form is the stream
    key (Mux's ``srt://HOST:6001?streamid=KEY``: shown ``streamid=***``; an input's is shown).

    Never raises; a string that is not a URL comes back unchanged.
    """
    text = str(url)
    if "://" not in text:
        return text
    if _hidden_userinfo(text, strict=True):  # (a password with / ? #: all up to the last @ goes)
        head, rest = text.split("://", 1)
        if url_scheme(text).startswith("rtmp"):
            # (FFmpeg's RTMP client reads the server up to the first /, an @ after it is the
            # application's or key's: rtmp://HOST:1935/ab@cd, MediaMTX's stream ab@cd, was shown
            # rtmp://***@cd, a host that is not the server's; all after the server is hidden)
            return f"{head}://{_rtmp_server(rest)}/***"
        text = head + "://***@" + rest.rsplit("@", 1)[1]
    try:
        parts = urlsplit(text)
    except ValueError:
        # malformed (e.g. a bad IPv6 literal): blank everything between :// and the last @
        return re.sub(r"://[^/]*@", "://***@", text)
    # (a stream ID's s=PASS after its #!::, a password's end after a #, were shown as a fragment)
    parts = _srt_whole_query(text, parts)
    netloc = parts.netloc
    user, _, host = netloc.rpartition("@")
    if user:  # (an empty one, a listener's udp://@:5000 as VLC writes it, was shown as udp://***@:5000)
        netloc = "***@" + host
    tail = _tail(parts)  # (a secret value may hold a ? or #: split again once it is hidden)
    ids = _access_id_spans(tail)
    for a, b in reversed(_path_secrets(tail)):
        if any(s <= a < e for s, e in ids) and "," in tail[a:b]:
            # (a , ends an item of a #!:: stream ID: SRS's r=live/KEY?secret=PASS,m=publish lost
            # its m=publish with the password, and its stream key was shown)
            b = a + tail[a:b].index(",")
        if b > a:
            tail = tail[:a] + "***" + tail[b:]
    tail, _, fragment = tail.partition("#") if "#" not in parts.query else (tail, "", "")
    path, _, query = tail.partition("?")
    # (FFmpeg's application ends at the first / after the host's, a ?query in it: YouTube's backup
    # server rtmp://b.rtmp.youtube.com/live2?backup=1, its key after it, .../live2?backup=1/KEY,
    # showed the key)
    key_after_query = bool(query) and not _rtmp_key(parts.scheme, path) \
        and bool(_rtmp_key(parts.scheme, f"{path}?{query}"))
    if key_after_query:
        query = query.split("/", 1)[0]
    if query:
        query = _SEGMENT_LOGIN.sub("***@", "&".join(_shown_pair(item, publishing) for item in query.split("&")))
    if key_after_query:
        path, query, fragment = f"{path}?{query}/***", "", ""
    elif _rtmp_key(parts.scheme, path):
        # (FFmpeg sends all after the application as the stream's name, a ?query and #fragment
        # too: Facebook's key is ID?s_l=1&s_sw=0&s_vt=api-s&a=TOKEN, whose a= was shown)
        path, query, fragment = path.split("/", 2)[1].join(("/", "/***")), "", ""
    path = _SEGMENT_LOGIN.sub("***@", _INNER_USERINFO.sub("***@", path))
    if _path_token(parts._replace(path=path)):
        # (UniFi Protect's stream URL, rtsps://HOST:7441/TOKEN?enableSrtp: its token was shown)
        path = "/***"
    fragment = _INNER_USERINFO.sub("***@", fragment)  # (a player page's #rtsp://USER:PASS@cam/...)
    shown = urlunsplit((parts.scheme, netloc, path, query, fragment))
    if not netloc:  # (urlunsplit leaves out the // of a scheme it does not know: "rtmp:" for rtmp://)
        shown = f"{parts.scheme}://" + shown[len(parts.scheme) + 1:].removeprefix("//")
    return shown


def url_secrets(url: str, publishing: bool = False) -> list[str]:
    """The secret values in ``url`` (password, secret query values, RTMP stream key), raw and decoded;
    ``publishing``: of an output's URL (see :func:`redact_url`).

    For scrubbing free text (e.g. an external program's messages) where a secret
    may appear outside a recognisable URL.  Values shorter than 3 characters are left out.
    """
    out: set[str] = set()
    try:
        parts = _srt_whole_query(str(url), urlsplit(str(url)))
    except ValueError:
        return []
    userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
    if _hidden_userinfo(str(url), strict=True):
        userinfo = str(url).split("://", 1)[1].rsplit("@", 1)[0]
        if parts.scheme.lower().startswith("rtmp"):  # (all after the server, no login: see redact_url)
            rest = str(url).split("://", 1)[1]
            after, userinfo = rest[len(_rtmp_server(rest)) + 1:], ""
            out.update({after, unquote(after)})
    if ":" in userinfo:
        pw = userinfo.split(":", 1)[1]
        out.update({pw, unquote(pw)})
    # (with its ?query and #fragment, which FFmpeg sends with it; or after an application's
    # ?query, YouTube's live2?backup=1/KEY: see redact_url)
    whole = _rtmp_key(parts.scheme, _tail(parts))
    if whole:
        key = _rtmp_key(parts.scheme, parts.path)
        out.update({key, unquote(key), whole, unquote(whole)})
    out.add(_path_token(parts))  # (UniFi Protect's, see redact_url)
    for raw in parts.query.split("&"):
        key, _, value = raw.partition("=")
        if _secret_key(unquote_plus(key)):
            out.update({value, unquote_plus(value)})
        elif unquote_plus(key).lower() in _STREAM_ID_KEYS:
            out.update(_stream_id_secrets(unquote_plus(value), publishing))
            if publishing and _bare_stream_id(unquote_plus(value)):
                out.add(value)  # (as written, where it is written encoded)
    tail = _tail(parts)
    for text in (tail, unquote_plus(tail)):  # (a URL's login in the path or query, see _INNER_USERINFO)
        for m in [*_INNER_USERINFO.finditer(text), *_SEGMENT_LOGIN.finditer(text)]:
            pw = m[0][:-1].partition(":")[2]
            out.update({pw, unquote(pw)})
    for a, b in _path_secrets(tail):  # (a camera's login in the path, query or fragment; and its
        value = tail[a:b]             # part before a / ? #, "PW" of "PW/video.mjpg")
        out.update({value, unquote(value), re.split(r"[/?#]", value, maxsplit=1)[0]})
    return sorted((s for s in out if len(s) >= 3), key=len, reverse=True)


def redact_text(text: str) -> str:
    """Redact every URL found inside a free-form message (e.g. an FFmpeg error)."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), str(text))


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` (a program's or a server's words) with its URLs redacted and each of ``secrets``
    (:func:`url_secrets`: a passphrase, a stream key) that stands in it bare replaced by ***:
    not inside a longer word (a stream key "stream", rtmp://HOST/live/stream, made "streaming
    to" "***ing to", "streamid=" "***id="; a key "test" "latest" "la***"), a %XX before it
    the end of an encoded character ("%3As3cr3t": hidden).  They are hidden before the URLs are
    redacted too: a URL in text ends at a space, and one with a space in its key or password
    ("rtmp://HOST/live/ab cd") was redacted up to it, "rtmp://HOST/live/*** cd", the key's end shown."""
    def hidden(text: str) -> str:
        for secret in secrets:
            if secret:
                text = re.sub(("(?:(?<![^\\W_])|(?<=%[0-9A-Fa-f]{2}))" if secret[0].isalnum() else "")
                              + re.escape(secret) + ("(?![^\\W_])" if secret[-1].isalnum() else ""), "***", text)
        return text

    secrets = list(secrets)
    return hidden(redact_text(hidden(text)))


@functools.lru_cache(maxsize=1)
def _own_words() -> frozenset:
    """The words (of letters) livecut's own code is written in, its messages' among them (read
    from its sources once; none where they are not there to read)."""
    words: set[str] = set()
    try:
        for path in Path(__file__).parent.rglob("*.py"):
            words.update(re.findall(r"[A-Za-z]+", path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        pass
    return frozenset(words)


def scrub_message(text: str, secrets: Iterable[str]) -> str:
    """``text`` livecut writes itself (a message, a log line: its own words, a program's or a
    server's quoted in them) as :func:`hide_secrets` gives it, but a secret that is a word of
    livecut's own (a stream key "stream", rtmp://HOST/live/stream; "test", "live") hidden only
    where it stands as a key: in a URL, after a / or =, or quoted ('stream') -- not as a word of
    the message ("cannot start the stream", "finishing the stream failed" were "cannot start the
    ***", "finishing the *** failed")."""
    secrets = [s for s in secrets if s]
    own = [s for s in secrets if s.isalpha() and s in _own_words()]
    text = hide_secrets(text, [s for s in secrets if s not in own])
    for word in own:
        text = re.sub(rf"(?<=[/=]){word}(?![^\W_])", "***", text)
        text = re.sub(rf"([`'\"]){word}\1", r"\1***\1", text)
    return text


def unknown_host_text(host: str, no_answer: bool = False) -> str:
    """How a host name that does not resolve is said, by every scheme: ``no_answer`` where no
    name server answered (a look-up that failed for now, EAI_AGAIN)."""
    if no_answer:
        return f"the host name {host} could not be looked up (no name server answered)"
    return f"no host is known by the name {host}"


def input_options(url: str, rtsp_transport: str = "tcp") -> dict[str, str]:
    """FFmpeg demuxer/protocol options for reading ``url`` live with low latency.

    Timeouts are not set here: PyAV's ``timeout=(open, read)`` covers every
    protocol through FFmpeg's interrupt callback.
    """
    scheme = url_scheme(url)
    opts: dict[str, str] = {
        # a live source: do not wait seconds to probe (0.5 s finds size and rate of RTSP/TS)
        "analyzeduration": "2000000" if scheme in ("http", "https") else "500000",
        "probesize": "1000000",
    }
    if scheme not in ("http", "https", "tcp"):
        # where packets may be lost on the way (UDP, SRT, RTP).  Not over TCP, which loses none:
        # there MPEG-TS's continuity counter breaks where files made separately are sent one after
        # the other (HTTP servers, HLS segments), and FFmpeg's demuxer flags as corrupt the packet
        # it completes there -- the last frame before the join, whole: one frame was lost at each
        opts["fflags"] = "discardcorrupt"
    if scheme in ("rtsp", "rtsps"):
        opts["rtsp_transport"] = rtsp_transport
        opts["max_delay"] = "500000"
        opts["reorder_queue_size"] = "64"
    elif scheme == "udp":
        opts["overrun_nonfatal"] = "1"
        # FFmpeg's receive ring, in 188-byte packets: 65536 is 12 MB, seconds of any stream (the
        # 1000000 before was 188 MB, taken into memory as the stream filled it over minutes)
        opts["fifo_size"] = "65536"
        opts["buffer_size"] = str(4 * 1024 * 1024)
    elif scheme == "srt":
        opts["mode"] = "caller"
    elif scheme in ("http", "https"):
        # reconnect inside FFmpeg for short HTTP hiccups where the server answers byte ranges (it
        # goes on at the byte reached); livecut reconnects for the rest.  Not where it answers
        # none (reconnect_streamed): FFmpeg read the file again from its start and spliced it on
        # as if it went on, a break told from a file's own join only by its pictures (recordings
        # of a still scene joined end to end lost their second part), and a server that cut the
        # file short each time was asked again for ever; livecut's reconnection knows it reads
        # the file again (the frames delivered skipped) and gives up (video.reconnect_limit)
        opts["reconnect"] = "1"
        opts["reconnect_streamed"] = "0"
        opts["reconnect_delay_max"] = "2"
    return opts


def with_query(url: str, **params: str) -> str:
    """``url`` with query parameters added where not already present; its own query is kept
    as written (re-encoded, a bare ``?listen`` became ``listen=``, which FFmpeg's tcp://
    refuses: "Invalid argument")."""
    parts = urlsplit(url)
    have = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = urlencode([(k, v) for k, v in params.items() if k not in have], safe="/:")
    if not extra:
        return url
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
