"""A picture given by its ``http://`` or ``https://`` address (`livecut image URL`, a camera's
``snapshot.jpg``): fetched with the standard library into a file of the URL's name, with a time
limit and a size cap, its content looked at before it is cut.  Every message shows the URL
redacted (:func:`livecut.urls.redact_url`): no login, token or key of it is ever said.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from livecut.errors import FetchError

__all__ = ["FetchError", "fetch_picture", "is_picture_url", "picture_name", "picture_names", "same_address",
           "PICTURE_SCHEMES", "FETCH_TIMEOUT", "FETCH_LIMIT", "MAX_PICTURE_BYTES"]

#: the schemes of a picture `livecut image` fetches itself
PICTURE_SCHEMES = ("http", "https")
#: seconds the server may take to connect, and to send each piece of the picture
FETCH_TIMEOUT = 30.0
#: seconds the whole picture may take
FETCH_LIMIT = 300.0
#: the largest picture fetched (a 200-megapixel TIFF is 600 MB; a camera's JPEG a few MB)
MAX_PICTURE_BYTES = 512 * 1024 * 1024

_CHUNK = 1 << 16
#: the characters a file's name may not hold here (its folders; a Windows name's reserved ones)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def is_picture_url(text: str) -> bool:
    """Whether ``text`` is an address :func:`fetch_picture` fetches (``http://``, ``https://``)."""
    from livecut.urls import url_scheme

    return url_scheme(str(text)) in PICTURE_SCHEMES


def picture_name(url: str) -> str:
    """The file name a picture at ``url`` is saved under: the last part of its path, decoded
    (``https://host/shoot/IMG%201.jpg?w=800``: ``IMG 1.jpg``), its characters that no file's name
    may hold made ``_``; the host's name where the path names none (``http://cam/``: ``cam``), its
    dots made ``_`` (``http://192.168.1.10/``: ``192_168_1_10``, whose output is
    ``192_168_1_10.png``, not ``192.168.1.png``, the last part taken for an extension)."""
    parts = urlsplit(url)
    name = _UNSAFE.sub("_", unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])).strip()
    if name.strip(".") == "":
        # (kept whole: 192.168.1.10's output was 192.168.1.png, the same as 192.168.1.11's, the
        # second camera's 'already written for' the first's; cam.local's cam.png)
        name = _UNSAFE.sub("_", parts.hostname or "picture").replace(".", "_")
    while len(os.fsencode(name)) > 200:  # (its output, NAME.png, within a file name's 255 bytes)
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:-1]}.{ext}" if dot and len(ext) <= 8 and stem else name[:-1]
    return name


def picture_names(urls, taken: Iterable[str] = ()) -> dict[str, str]:
    """The file name each picture of ``urls`` is saved under, by its :func:`same_address` (one
    given twice is one): its :func:`picture_name`, where no other address gives that name (its
    stem, as a file system that ignores case takes it: their outputs, NAME.png, one file); else,
    after ``_``, what tells it apart from those others, in the address's order: its host, its
    port, its folders (where they differ among them), the query's pairs that are not in each of
    them (``http://cam/snap.jpg?chn=1`` and ``?chn=2``: ``snap_chn=1.jpg``, ``snap_chn=2.jpg``;
    ``http://cam:8081/snap.jpg`` and ``:8082``: ``snap_8081.jpg``, ``snap_8082.jpg``), its dots
    and the characters no file's name may hold made ``_``.  Told from the address as shown
    (:func:`livecut.urls.redact_url`): no login nor secret of it is in a name; those that only
    a secret tells apart, or that the above does not, are numbered in the order given
    (``snap_1.jpg``, ``snap_2.jpg``).  ``taken``: the stems of the local photos cut beside them
    (their outputs, NAME.png): an address alone of its name that gives one of them is told apart
    by its host (``snap_127_0_0_1.jpg``; its port too, or numbered, where that is taken as
    well), the local photo keeping its name (it was refused, 'already written for snap.jpg (same
    file name)', once fetched).  An address that is no valid one is left out (:func:`fetch_picture`
    says so)."""
    from urllib.parse import parse_qsl

    from livecut.imageio import folded_name
    from livecut.urls import redact_url

    names: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for url in urls:
        address = same_address(url)
        if address in names:
            continue
        try:
            names[address] = picture_name(address)
        except ValueError:
            continue
        groups.setdefault(folded_name(Path(names[address]).stem), []).append(address)
    for group in (g for g in groups.values() if len(g) > 1):
        shown = []
        for address in group:
            parts = urlsplit(redact_url(address))
            try:
                port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
            except ValueError:
                port = None
            shown.append({"host": parts.hostname or "", "port": str(port or ""),
                          "folders": unquote(parts.path).rsplit("/", 1)[0].strip("/"),
                          "query": [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                                    if "***" not in k + v]})  # (a secret's value, hidden: tells nothing)
        common = set.intersection(*(set(one["query"]) for one in shown))
        tags = ["_".join([one[what] for what in ("host", "port", "folders")
                          if one[what] and len({other[what] for other in shown}) > 1]
                         + [f"{k}={v}" if v else k for k, v in one["query"] if (k, v) not in common])
                for one in shown]
        tags = [_UNSAFE.sub("_", tag).replace(".", "_") for tag in tags]
        tagged = [_tagged(names[address], tag) for address, tag in zip(group, tags)]
        if len({folded_name(Path(name).stem) for name in tagged}) < len(tagged):
            tagged = [_tagged(names[address], str(n)) for n, address in enumerate(group, 1)]
        names.update(zip(group, tagged))
    local = {folded_name(stem) for stem in taken}
    for stem, group in groups.items():
        if len(group) > 1 or stem not in local:
            continue
        parts = urlsplit(redact_url(group[0]))
        try:
            port = str(parts.port or "")
        except ValueError:
            port = ""
        tags = [parts.hostname or "", f"{parts.hostname or ''}_{port}" if port else ""]
        tags = [_UNSAFE.sub("_", tag).replace(".", "_") for tag in tags if tag]
        used = local | {folded_name(Path(name).stem) for address, name in names.items() if address != group[0]}
        for tag in [*tags, *map(str, range(1, len(used) + 2))]:
            name = _tagged(names[group[0]], tag)
            if folded_name(Path(name).stem) not in used:
                names[group[0]] = name
                break
    return names


def _tagged(name: str, tag: str) -> str:
    """``name`` with ``_tag`` before its extension ('' where ``tag`` is), within 200 bytes (the tag cut)."""
    stem, ext = (name[:-len(Path(name).suffix)], Path(name).suffix) if Path(name).suffix else (name, "")
    while tag and len(os.fsencode(f"{stem}_{tag}{ext}")) > 200:
        tag = tag[:-1]
    return f"{stem}_{tag}{ext}" if tag else name


def same_address(url: str) -> str:
    """``url`` as the server is asked for it, for telling one picture given twice by two spellings:
    its scheme and host in lower case, its default port (``:80``, ``:443``) and its fragment
    (``#...``, never sent) left out, an empty path ``/`` (``HTTP://Cam:80/a.jpg#x``:
    ``http://cam/a.jpg``); ``url`` itself where it is no valid address."""
    try:
        parts = urlsplit(str(url))
        scheme, port = parts.scheme.lower(), parts.port
    except ValueError:
        return str(url)
    login, at, _ = parts.netloc.rpartition("@")
    host = (parts.hostname or "").lower()
    if ":" in host:  # (IPv6)
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host += f":{port}"
    return urlunsplit((scheme, login + at + host, parts.path or "/", parts.query, ""))


class _Refused(Exception):
    """A redirect livecut does not follow (its message: why, without the URL)."""


def _redirects():
    """urllib's redirect handler, refusing a redirect to another scheme than http(s):// (urllib
    follows one to ftp://, and refused one to file:// with the target in its message); a loop
    of redirects is one line (urllib's was three)."""
    import urllib.error
    import urllib.request

    class Redirects(urllib.request.HTTPRedirectHandler):
        def http_error_302(self, req, fp, code, msg, headers):
            target = headers.get("location") or headers.get("uri") or ""
            scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", target)
            if scheme and scheme[1].lower() not in PICTURE_SCHEMES:
                fp.close()
                raise _Refused(f"the server redirects it (HTTP {code} {msg}) to an address of another scheme "
                               f"({scheme[1].lower()}:), which livecut does not fetch: http:// and https:// only")
            try:
                return super().http_error_302(req, fp, code, msg, headers)
            except urllib.error.HTTPError as exc:  # (urllib's loop said in three lines)
                if not (isinstance(exc.reason, str) and exc.reason.startswith(self.inf_msg)):
                    raise
                visited = getattr(req, "redirect_dict", {})
                how = ("round in a loop" if max(visited.values(), default=0) >= self.max_repeats
                       else f"over {self.max_redirections} times")
                raise _Refused(f"the server redirects it {how} (HTTP {code} {msg})") from None

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            # (a login in the address redirected to, http://USER:PASS@host/..., was taken for part of
            # the host's name: 'no such host', USER:PASS@host looked up as one; it is left
            # out: the URL's own login goes to its server, at any path, and to no other)
            parts = urlsplit(newurl)
            if "@" in parts.netloc:
                newurl = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return Redirects()


def _opener(url: str):
    """``url`` without its login, and an opener that gives the login (basic or digest, as the
    server asks: a camera's) -- urllib takes none in the URL itself -- and follows redirects to
    http(s):// addresses only."""
    import urllib.request

    parts = urlsplit(url)
    handlers = []
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        if ":" in host:  # (IPv6)
            host = f"[{host}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        # (for the whole server, scheme://host:port/: a camera's snapshot.jpg redirected to its
        # /cgi-bin/snapshot.cgi asked for the login there and was not given it, being under
        # another path; not for another host or port a redirect names)
        passwords.add_password(None, f"{parts.scheme}://{netloc}/", unquote(parts.username or ""),
                               unquote(parts.password or ""))
        handlers = [urllib.request.HTTPBasicAuthHandler(passwords), urllib.request.HTTPDigestAuthHandler(passwords)]
    else:
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    return url, urllib.request.build_opener(_redirects(), *handlers)


def _server(url: str) -> str:
    """The server ``url`` names, ``host:port`` (its default port too; no login); '' if none."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    except ValueError:
        return ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n} bytes"


def _checked(name: str, value, whole: bool = False):
    """``value`` of fetch_picture's ``name``: a number above 0 (``whole``: a whole number of
    bytes); another type is a :class:`~livecut.errors.ConfigTypeError`, another value a
    :class:`~livecut.errors.ConfigError`."""
    import math
    import numbers

    from livecut.errors import ConfigError, ConfigTypeError

    what = "a whole number of bytes" if whole else "a number of seconds"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral if whole else numbers.Real):
        raise ConfigTypeError(f"fetch_picture: {name} {value!r}: expected {what} above 0, or None")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"fetch_picture: {name} {value!r}: expected {what} above 0, or None")
    return value


def fetch_picture(url: str, folder: str | Path, *, timeout: float | None = None, limit: float | None = None,
                  max_bytes: int | None = None, name: str | None = None) -> Path:
    """Fetch the picture at ``url`` (``http(s)://``) into ``folder`` under ``name`` (None:
    :func:`picture_name`; see :func:`picture_names` for several) and return its path.
    ``timeout``: the seconds to connect and to wait for each piece; ``limit``: for the whole picture; ``max_bytes``: the largest one taken (None: this module's
    :data:`FETCH_TIMEOUT`, :data:`FETCH_LIMIT`, :data:`MAX_PICTURE_BYTES`).  It comes under a
    temporary name in ``folder``, put at its own (a file of that name replaced) once whole and
    found a picture; a fetch that fails leaves ``folder`` as it was.

    Raises :class:`FetchError` (a :class:`~livecut.errors.UsageError`: bad input) where the server
    answers with an HTTP error, does not answer in time, cannot be reached, sends more than
    ``max_bytes``, or sends a web page or a video, not a picture; its message names the URL
    redacted."""
    import http.client
    import socket
    import ssl
    import urllib.error

    from livecut.atomic import discard, temp_path
    from livecut.imageio import _picture_head, _video_container, text_head
    from livecut.urls import redact_url

    shown = redact_url(url)
    # (limit='60' or max_bytes=1e6 was a bare TypeError at the first piece, timeout=-1 a FetchError,
    # "cannot fetch: Timeout value out of range", from the server's address, limit=-1 "not fetched
    # within -1 s": the call's own values are refused before anything is asked)
    timeout = FETCH_TIMEOUT if timeout is None else _checked("timeout", timeout)
    limit = FETCH_LIMIT if limit is None else _checked("limit", limit)
    max_bytes = MAX_PICTURE_BYTES if max_bytes is None else _checked("max_bytes", max_bytes, whole=True)
    if not isinstance(folder, (str, os.PathLike)) or isinstance(folder, bytes):
        # (None or a number was a bare TypeError from pathlib, 'expected str, bytes or os.PathLike
        # object', the name of neither the function nor the argument)
        from livecut.errors import ConfigTypeError

        raise ConfigTypeError(f"fetch_picture: folder must be a str or a pathlib.Path, got {type(folder).__name__}")
    if not is_picture_url(url):
        raise FetchError(f"{shown}: not an http:// or https:// address")
    try:
        plain, opener = _opener(url)
    except ValueError as exc:  # (a port that is no number)
        raise FetchError(f"{shown}: not a valid address: {exc}") from None
    if name is not None and (not isinstance(name, str) or name in ("", ".", "..") or _UNSAFE.search(name)):
        raise FetchError(f"{shown}: name {name!r}: not a file's name (no folder, no / \\ : * ? \" < > |)")
    dst = Path(folder) / (name or picture_name(url))
    # (it came at dst itself, which a fetch that failed removed, whatever it was: a photo of the
    # user's of that name, gone after an HTTP 404; put there once whole and found a picture)
    tmp = temp_path(dst)
    try:  # (whatever stops it -- an error said below, Ctrl-C, SIGTERM -- leaves nothing of the picture in folder)
        start = time.monotonic()
        try:
            with opener.open(plain, timeout=timeout) as answer:
                kind = (answer.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                length = answer.headers.get("Content-Length")
                if length and length.strip().isdigit() and int(length) > max_bytes:
                    raise FetchError(f"{shown}: the server sends {_mb(int(length))}, over the {_mb(max_bytes)} livecut "
                                     "fetches: download it and give the file")
                try:
                    out = open(tmp, "xb")
                except OSError as exc:
                    # (a folder that is not there, a file, or not writable: it was said as the
                    # server's, 'cannot fetch: No such file or directory')
                    raise FetchError(f"{shown}: cannot write the picture into {folder}: {exc.strerror or exc}") from None
                with out as f:
                    size, head = 0, b""
                    while True:
                        if time.monotonic() - start > limit:
                            raise FetchError(f"{shown}: not fetched within {limit:g} s ({_mb(size)} came): "
                                             "download it and give the file")
                        piece = answer.read1(_CHUNK)  # (what came: read() waited for 64 KiB, a trickle past the limit)
                        if not piece:
                            break
                        size += len(piece)
                        if size > max_bytes:
                            raise FetchError(f"{shown}: over the {_mb(max_bytes)} livecut fetches: download it "
                                             "and give the file")
                        if len(head) < 512:
                            head += piece[:512 - len(head)]
                        f.write(piece)
        except FetchError:
            raise
        except _Refused as exc:
            raise FetchError(f"{shown}: {exc}") from None
        except urllib.error.HTTPError as exc:
            elsewhere = _server(exc.url or plain) if exc.code == 401 and _server(exc.url or plain) != _server(plain) else ""
            login = (f" (it redirects to another server, {elsewhere}, which wants a login: a login in the URL goes to "
                     "the server it names alone; give that server's own address, with its login)" if elsewhere
                     else " (the login in the URL was refused)" if exc.code == 401 and "@" in urlsplit(url).netloc
                     else " (it wants a login: give it in the URL, http://USER:PASSWORD@host/...)" if exc.code == 401
                     else "")
            raise FetchError(f"{shown}: the server answered HTTP {exc.code} {exc.reason}{login}") from None
        except (TimeoutError, socket.timeout):
            raise FetchError(f"{shown}: no answer within {timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise FetchError(f"{shown}: no answer within {timeout:g} s") from None
            if isinstance(reason, ssl.SSLCertVerificationError):
                why = f"its certificate is not trusted ({reason.verify_message or reason})"
            elif isinstance(reason, ssl.SSLError):
                plain = " (does the server speak http://, not https://?)" if "WRONG_VERSION" in str(reason) else ""
                why = f"the TLS handshake failed ({reason.reason or reason}){plain}"
            elif isinstance(reason, socket.gaierror):
                why = f"no such host ({reason.strerror or reason})"
            else:
                why = getattr(reason, "strerror", None) or str(reason)
            raise FetchError(f"{shown}: cannot fetch: {why}") from None
        except http.client.IncompleteRead:  # (a chunked answer that ended within a chunk or before its last)
            raise FetchError(f"{shown}: the server's answer ended part way (the connection closed): the picture did not "
                             "all come; try again") from None
        except (http.client.HTTPException, ConnectionError, ssl.SSLError) as exc:
            raise FetchError(f"{shown}: cannot fetch: the connection failed ({type(exc).__name__}"
                             f"{': ' + str(exc) if str(exc) else ''})") from None
        except ValueError as exc:  # (urllib's: a login challenge of a scheme it does not know, an odd address)
            raise FetchError(f"{shown}: cannot fetch: {exc}") from None
        except OSError as exc:  # (the temporary folder: a full disk)
            raise FetchError(f"{shown}: cannot fetch: {exc.strerror or exc}") from None
            raise
        if length and length.strip().isdigit() and size < int(length):  # (http.client says nothing of it)
            raise FetchError(f"{shown}: the server's answer ended at {_mb(size)} of the {_mb(int(length))} it said "
                             "(the connection closed): the picture did not all come; try again")
        if size == 0:
            raise FetchError(f"{shown}: the server sent nothing (an empty answer, {kind or 'no type'})")
        # (a picture by its bytes is one whatever its type says: a camera's snapshot.cgi that sends its
        # JPEG as text/html, the CGI's default, was refused as 'a web page (text/html), not a picture')
        picture = (_picture_head(head) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
                   or (head[4:8] == b"ftyp" and not _video_container(head)))
        if not picture and (kind.startswith("text/") or "html" in kind or text_head(head, size <= len(head))):
            raise FetchError(f"{shown}: the server sent {'a web page' if 'html' in kind or b'<' in head[:64] else 'text'} "
                             f"({kind or 'no type'}), not a picture: give the picture's own address (a browser's "
                             "'Copy image address')")
        if _video_container(head):
            raise FetchError(f"{shown}: a video, not a picture (cut a video with: livecut file "
                             f"{shlex.quote(url) if shown == url else 'URL'} -o OUT.mp4)")
        try:
            os.replace(tmp, dst)
        except OSError as exc:  # (a folder of that name there)
            raise FetchError(f"{shown}: cannot put the picture at {dst}: {exc.strerror or exc}") from None
    except BaseException:
        discard(tmp)
        raise
    return dst
