"""``livecut file -``: a video piped into standard input.

Standard input redirected from a regular file (``livecut file - < clip.mov``), at its start,
is read in place, by the file's own name (no copy; :func:`regular_file`).  A pipe is copied
to a temporary file first (beside nothing: in the system's temporary
folder), which is then read as any file: its audio is copied from it, and formats that need
to seek (an MP4 whose index is at its end) work.  (A stream cut short is told from a complete
one when its format states its length, or the size of its last part: Matroska written to a
pipe states no length, but each of its clusters states its size; one cut at a cluster's end is
not told.  NUT, as ``livecut file ... -o -`` writes it, ends with its index: one without it is
cut short.)  The run starts once the pipe is closed; the copy is removed afterwards, whatever
happens (before a SIGQUIT or a SIGUSR1 ends the process, in the CLI:
:func:`livecut.atomic.removed_when_killed`; after ``kill -9``, by the next ``livecut file -``:
:func:`sweep_stale_spools`).
"""

from __future__ import annotations

import contextlib
import os
import select
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Iterator

from livecut.atomic import _host_tag, discard, io_reason, unfinished
from livecut.errors import UsageError, VideoOpenFailure, WriteError

#: bytes read from the pipe at a time
CHUNK = 1 << 20


#: the copies' names: ``livecut-stdin-PID-HOST-XXXXXXXX`` in the system's temporary folder
SPOOL_PREFIX = "livecut-stdin-"


def sweep_stale_spools(folder: str | None = None) -> list[Path]:
    """Remove the copies a killed run (``kill -9``, a power cut) left in the temporary folder:
    this machine's, whose process is gone and which have not changed for a minute (see
    :func:`livecut.atomic.sweep_left_behind`).  Never raises."""
    from livecut.atomic import sweep_left_behind

    return sweep_left_behind(folder or tempfile.gettempdir(), SPOOL_PREFIX, r"-\w+")


class ReadFailure(OSError):
    """Reading ``stream`` failed (:func:`copy_all`): not ``out``'s fault."""


def copy_all(stream: BinaryIO, out: BinaryIO) -> None:
    """All of ``stream`` into ``out``.  A pipe another program left non-blocking (O_NONBLOCK,
    on the open file it shares) is waited on when it has no data, as a blocking one is: its
    "no data yet" (None) was taken for its end (shutil.copyfileobj), 'standard input was
    empty' or a video cut where its writer paused (``batch --list -``: a list cut short).
    A read that fails raises :class:`ReadFailure`."""
    try:
        terminal = stream.isatty()
    except (AttributeError, OSError, ValueError):
        terminal = False
    # (a terminal, `batch --list -` typed there: a read of what is typed so far, each line, and
    # Ctrl-D its end; read() waits for a whole chunk, and took a Ctrl-D after a line for the end
    # of that chunk only: a second Ctrl-D was needed, the first seemed to do nothing)
    read = stream.read1 if terminal and hasattr(stream, "read1") else stream.read
    while True:
        try:
            chunk = read(CHUNK)
        except BlockingIOError:
            chunk = None
        except OSError as exc:
            raise ReadFailure(exc.errno, exc.strerror or str(exc)) from None
        if chunk is None:
            try:
                select.select([stream], [], [])
            except (OSError, ValueError):  # (not a file select takes: tried again)
                time.sleep(0.01)
            continue
        if not chunk:
            return
        out.write(chunk)


def regular_file(stream: BinaryIO) -> Path | None:
    """The name of the regular file ``stream`` reads (standard input redirected from a file),
    where it reads it from its start and that name opens that file (Linux: /proc/self/fd);
    else None (a pipe, a file read partway, a deleted or renamed one, another system, one this
    user cannot open by its name: opened by another, ``sudo -u USER livecut file - < clip.mov``)."""
    try:
        fd = stream.fileno()
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or os.lseek(fd, 0, os.SEEK_CUR) != 0:
            return None
        name = os.readlink(f"/proc/self/fd/{fd}")
        if not os.path.isabs(name):
            return None
        # (opened, not stat()ed: a name this user may not open was read by it, 'Permission denied';
        # O_NONBLOCK: a FIFO put in its place since does not wait for a writer)
        own = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
        try:
            return Path(name) if os.path.samestat(os.fstat(own), st) else None
        finally:
            os.close(own)
    except (AttributeError, OSError, ValueError):
        return None


@contextlib.contextmanager
def spooled_stdin(stream: BinaryIO | None = None) -> Iterator[Path]:
    """A file holding all of ``stream`` (standard input by default): the regular file it is
    redirected from, read in place (:func:`regular_file`; a copy of a large video took as
    long as reading it, and its size on the temporary folder's disk), else a temporary copy,
    removed afterwards."""
    if stream is None:
        if sys.stdin is None:
            raise UsageError("-: standard input is closed; give a video file")
        stream = sys.stdin.buffer
    try:
        if os.isatty(stream.fileno()):
            raise UsageError("-: standard input is a terminal; pipe a video into it "
                             "(e.g. ffmpeg ... -f matroska - | livecut file - -o out.mp4) or give a file")
    except (AttributeError, OSError, ValueError):
        pass
    sweep_stale_spools()
    if (own := regular_file(stream)) is not None and os.fstat(stream.fileno()).st_size:  # (empty: said as a pipe's)
        yield own
        return
    try:
        fd, name = tempfile.mkstemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-{_host_tag()}-")
    except OSError as exc:  # (a full or read-only temporary folder: exit 1, as a full output disk; it
        # was exit 2, bad input, which a script takes for a video not worth trying again)
        raise WriteError(f"-: cannot keep standard input in {tempfile.gettempdir()} ({io_reason(exc)})") from None
    path = unfinished(Path(name))
    try:
        try:  # (the last piece is written when the file is closed: a full disk shows there too)
            with os.fdopen(fd, "wb") as out:
                copy_all(stream, out)
        except ReadFailure as exc:  # (it was 'cannot keep standard input in /tmp', the folder blamed)
            raise VideoOpenFailure(f"-: reading standard input failed ({exc.strerror})") from None
        except OSError as exc:
            raise WriteError(f"-: cannot keep standard input in {path.parent} ({io_reason(exc)})") from None
        if path.stat().st_size == 0:
            raise VideoOpenFailure("-: standard input was empty (no video was piped in)")
        yield path
    finally:
        discard(path)
