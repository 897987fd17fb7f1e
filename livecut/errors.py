"""Typed errors raised by livecut's library code.

Library code never prints or exits: it raises one of these, and only the CLI
turns them into a one-line message on stderr and an exit code.
"""

from __future__ import annotations

# (in a module of its own, that imports none of livecut's: the command's entry point sets the
# hook before it imports this one, see livecut/_entry.py)
from livecut._redeliver import stops_redelivered

__all__ = ["LivecutError", "UsageError", "ArrayError", "ConfigError", "ConfigTypeError", "ImageReadError",
           "FetchError", "ImageSizeError", "FrameSizeError", "VideoOpenFailure", "WriteError", "VideoWriteError",
           "OutputExistsError", "FORCE", "IncompleteError", "DeviceUnavailable", "DeviceNameError",
           "DisplayUnavailable", "StageError", "Terminated", "stops_redelivered"]


class LivecutError(Exception):
    """Base class of every error livecut raises on purpose."""

    #: exit code the CLI uses for this error
    exit_code: int = 1


class UsageError(LivecutError):
    """Bad input or bad usage: a wrong option, a missing file, an unreadable image."""

    exit_code = 2


class ArrayError(UsageError, ValueError):
    """An array given to the library (a frame, an alpha, an ``out=`` buffer) has the wrong
    type, shape or memory layout (also a ``ValueError``, as numpy and OpenCV raise)."""


class ConfigError(UsageError):
    """A configuration file or override (the CLI's ``--set``) is invalid (names the key)."""


class ConfigTypeError(ConfigError, TypeError):
    """A configuration object of the wrong type was given (a preset name where a
    :class:`~livecut.config.Config` goes); also a ``TypeError``."""


class ImageReadError(UsageError):
    """An image file is missing, empty, truncated or not an image."""


class FetchError(ImageReadError):
    """A picture's ``http(s)://`` address (``livecut image URL``, :mod:`livecut.fetch`) could not
    be fetched (an HTTP error, no answer in time, no connection, too large) or gave no picture
    (a web page, a video); its message shows the URL redacted."""


class ImageSizeError(UsageError):
    """An image is too small or too large to process."""


class FrameSizeError(ImageSizeError, ArrayError):
    """A frame of a size an operation cannot take (empty; I420 needs even sizes); also a
    ``ValueError``."""


class VideoOpenFailure(UsageError):
    """A video source (file, camera, stream) could not be opened."""


class WriteError(LivecutError):
    """An output could not be written (full disk, read-only folder, ...)."""


class VideoWriteError(WriteError):
    """A video sink could not be opened or written."""


class OutputExistsError(UsageError):
    """The output exists (and ``force=True`` was not given: the CLI's ``--force``) or would
    overwrite an input.  Its message says what to give in the library's terms (:data:`FORCE`);
    the CLI says its option instead (:func:`cli_text`)."""


#: how an :class:`OutputExistsError` says that the output may be replaced: the keyword a
#: library call takes (``open_sink(..., force=True)``, ``write_image(..., force=True)``)
FORCE = "force=True"


def cli_text(message: str) -> str:
    """``message`` as the command line says it: "give force=True" (:data:`FORCE`, a keyword
    of the library's calls) is its option, "use --force"."""
    return message.replace(f"give {FORCE}", "use --force")


def quoted(text: str) -> str:
    """``text`` quoted as ``repr`` quotes it, but a byte of a file's name that is not UTF-8 (held as
    a lone surrogate) kept as it is, so that a message says it as the name's other mentions do
    (``'image:n\\xe9on.png'``; repr wrote the surrogate's escape, ``'image:n\\udce9on.png'``)."""
    import re

    return re.sub(r"(\\\\)|\\udc([89a-f][0-9a-f])",  # (an escaped backslash left as it is)
                  lambda m: m.group(1) or chr(0xDC00 + int(m.group(2), 16)), repr(text))


def one_line(line: str) -> str:
    """``line`` with its control characters escaped (\\n) and the bytes of a name that are not
    UTF-8 written as such (\\xe9): a line that names a file, as the command line writes it."""
    import re

    line = re.sub("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]", lambda m: repr(m.group())[1:-1], line)
    # a byte of a file's name that is not UTF-8 (a Latin-1 name, caf\xe9.jpg), which Python holds as
    # a lone surrogate, is said as that byte: it was written as the surrogate, caf\udce9.jpg
    return re.sub("[\udc80-\udcff]", lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", line)


def json_names(value, exact: tuple[str, ...] = ()):
    """``value`` (dicts, lists, strings ...) as JSON can carry it as Unicode text: the bytes of a
    file's name that are not UTF-8 (Python's lone surrogates, which JSON writes as "\\udce9", no
    Unicode: jq shows another character, stricter readers refuse the text) written ``\\xe9``, as
    :func:`one_line` writes them; and beside a key of ``exact`` whose name held such bytes,
    ``KEY_base64``: the name's exact bytes (``os.fsencode``), which :func:`json_names_read` gives back."""
    import base64
    import os
    import re

    def text(s: str) -> str:
        return re.sub("[\ud800-\udfff]", lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}"
                      if "\udc80" <= m.group() <= "\udcff" else f"\\u{ord(m.group()):04x}", s)

    if isinstance(value, str):
        return text(value)
    if isinstance(value, (list, tuple)):
        return [json_names(v, exact) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        out[key] = json_names(v, exact)
        if key in exact and isinstance(v, str) and out[key] != v:
            try:
                raw = os.fsencode(v)
            except UnicodeEncodeError:  # (a surrogate no name of this system holds: as Windows keeps it)
                raw = v.encode("utf-8", "surrogatepass")
            out[f"{key}_base64"] = base64.b64encode(raw).decode("ascii")
    return out


def json_names_read(record: dict, exact: tuple[str, ...]) -> dict:
    """``record`` (read back from JSON :func:`json_names` wrote) with each key of ``exact`` that has
    a ``KEY_base64`` beside it the name those bytes are, as Python holds it (``os.fsdecode``)."""
    import base64
    import binascii
    import os

    for key in exact:
        raw = record.get(f"{key}_base64")
        if isinstance(raw, str):
            try:
                record[key] = os.fsdecode(base64.b64decode(raw, validate=True))
            except (binascii.Error, ValueError):
                pass  # (a line edited by hand: its text stands)
    return record


class IncompleteError(LivecutError):
    """The run ended before its source did (a truncated file, a live source given up on):
    the output is playable but holds only part of the input."""

    exit_code = 3


class DeviceUnavailable(LivecutError):
    """A device (camera, virtual camera) is missing or busy."""


class DeviceNameError(DeviceUnavailable):
    """The device named (``--vcam-device``, ``vcam:DEVICE``) is not there, or is none of the
    kind asked for (a webcam, a file or a folder named as the virtual camera): the user's to
    fix by naming another, exit 2 as a usage error is."""

    exit_code = 2


class DisplayUnavailable(DeviceUnavailable):
    """No preview window can be opened here (no display, an OpenCV built without windows):
    the user's to fix, or to run without ``--preview`` (-o, --vcam), as a usage error is."""

    exit_code = 2


def interrupt_under(exc: BaseException) -> BaseException | None:
    """The Ctrl-C (``KeyboardInterrupt``, or a signal's ``Terminated``) that is ``exc`` or lies
    under it (its causes and contexts), or None.  C code that calls back into Python (numpy
    asking a path for its name, a ``__set_name__`` while a class is built) turns a signal's
    exception raised in that call into a SystemError or a RuntimeError with it as the cause:
    the run then took a SIGTERM for a failure (livecut image said "interrupted", exit 130,
    without the count of what was written; a video run reported a failed processing stage)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by a SIGTERM/SIGHUP handler (see
    :func:`livecut.runner.finalize_on_signals`, and the command's entry point before it), so the
    run finalizes its outputs exactly as on Ctrl-C; exit code 128 + signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum




def stop_text(exc: BaseException | None) -> str:
    """How a run stopped by ``exc`` (see :func:`interrupt_under`) says so: "stopped by SIGTERM"
    (SIGHUP) for a signal's ``Terminated``, "interrupted" for Ctrl-C."""
    return {1: "stopped by SIGHUP", 15: "stopped by SIGTERM"}.get(getattr(exc, "signum", None) or 0, "interrupted")


class StageError(LivecutError):
    """A pipeline stage failed; the original exception is chained as ``__cause__``."""


def ffmpeg_text(exc: BaseException) -> str:
    """``str(exc)`` without the ``; last error log: ...`` PyAV appends to an FFmpegError while any
    log level is set (FFmpeg's last error lines from any thread of the process: another
    stream's, which may name its URL; see the HTTP probation's log watch in sources/stream.py)."""
    return str(exc).split("; last error log:", 1)[0]
