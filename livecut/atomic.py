"""Outputs that appear whole or not at all.

Every file livecut writes goes to a temporary name in the same folder (so the final
rename is atomic, on the same file system) and is moved into place only once complete:

- without ``force`` the final name is created *exclusively* (a hard link, which fails
  if the name exists), so two runs writing the same path cannot both succeed and an
  existing file is never replaced;
- with ``force`` it is replaced atomically (``os.replace``): a reader sees the old file
  or the new one, never a mix;
- on failure the temporary file is removed and any earlier file is left untouched;
- the file's data is flushed to the disk (``fsync``) before its rename, and the folder's entry
  after it (:func:`sync_file`, :func:`sync_folder`): after a power cut or a system crash the
  final name holds the whole new output or what stood there before, never an empty or cut
  file (a rename alone does not order the data's writes before the name's on ext4, XFS or
  Btrfs), and a batch's manifest line, fsync'ed after the rename, never says done for an
  output the disk does not hold.

A process killed outright (SIGKILL) can leave only a temporary ``.NAME.livecut-*``
file behind, never a broken file at the final name; the next run to the same name (a video,
a photo of ``livecut image``, a batch's item, a page of eval's sheet) removes it (:func:`sweep_stale`).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import secrets
import shutil
import stat
import sys
import threading
from pathlib import Path

from livecut.errors import FORCE, OutputExistsError, WriteError

#: marks livecut's temporary names: ``.out.mp4.livecut-PID-HOST-1a2b3c4d.mp4``
TEMP_MARK = ".livecut-"


@functools.lru_cache(maxsize=1)
def _host_tag() -> str:
    """Six hex digits naming this machine in temporary names (see :func:`sweep_stale`)."""
    import hashlib
    import socket

    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


#: the most bytes a file name may have (ext4, XFS, Btrfs, tmpfs; APFS and NTFS count characters)
NAME_MAX = 255
#: the most bytes a temporary name adds to ``.`` + NAME + suffix: the mark, a process id (up to
#: 9 digits, as sweep_left_behind reads them), this machine's tag and the token
_TEMP_EXTRA = len(TEMP_MARK) + 9 + 1 + 6 + 1 + 8


@functools.lru_cache(maxsize=1)
def _path_max() -> int | None:
    """The most bytes a path may have, its ending NUL included (PATH_MAX: 4096 on Linux), or
    None where the system does not say."""
    try:
        return os.pathconf("/", "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):  # (Windows has no pathconf)
        return None


def name_too_long(path: str | Path) -> bool:
    """Whether a name of ``path`` (the file's, or a folder's on its way) is longer than
    :data:`NAME_MAX` bytes, or the whole path as given reaches PATH_MAX (folders nested 4 KiB
    deep): the system refuses it ("File name too long"), which a look-up raised as an OSError
    (`livecut batch`: 'internal error').  Checked before the work, so that it is refused as bad input."""
    limit = _path_max()
    return (any(len(os.fsencode(part)) > NAME_MAX for part in Path(path).parts)
            or (limit is not None and len(os.fsencode(str(path))) >= limit))


def temp_prefix(final: Path) -> str:
    """``.NAME.livecut-``, what the temporary names for ``final`` start with.  A NAME that fits
    NAME_MAX but leaves no room for the rest is cut short: the temporary name of a valid name
    (220-255 bytes: 75 Chinese or Japanese characters) was refused, "File name too long", exit 1.
    (A NAME over NAME_MAX is kept, so that it is refused at once, not when the finished output
    is renamed.)"""
    final = Path(final)
    name = final.name
    if len(os.fsencode(name)) <= NAME_MAX:
        room = NAME_MAX - 1 - _TEMP_EXTRA - len(os.fsencode(final.suffix))
        while len(os.fsencode(name)) > room:  # (by characters: a UTF-8 sequence is not split)
            name = name[:-1]
    return f".{name}{TEMP_MARK}"


def written_through(final: Path | str) -> Path:
    """Where an output named ``final`` goes: the file a symbolic link there leads to, where it
    leads to a regular file (written through the link, as ``cp`` and ``ffmpeg -y`` write: the
    link was replaced by the output, a regular file, and the file it named left as it was); else
    ``final``.  Never raises."""
    final = Path(final)
    try:
        if stat.S_ISLNK(os.lstat(final).st_mode):
            target = Path(os.path.realpath(final))
            if stat.S_ISREG(os.lstat(target).st_mode):
                return target
    except (OSError, ValueError):
        pass
    return final


def temp_path(final: Path, keep_suffix: bool = True) -> Path:
    """A fresh temporary name next to ``final`` (ends with the same suffix, so muxers and
    encoders that pick the format from the name still do): the process id and this
    machine's tag in it say whose it is.  Removed, until :func:`discard` removes it, before a
    SIGQUIT or a SIGUSR1 ends the process (:func:`unfinished`).  A link at ``final`` to a file:
    next to that file (:func:`written_through`), so that its rename there is atomic."""
    final = Path(final)
    into = written_through(final)
    token = secrets.token_hex(4)
    suffix = final.suffix if keep_suffix else ""
    return unfinished(into.with_name(f"{temp_prefix(into)}{os.getpid()}-{_host_tag()}-{token}{suffix}"))


#: the temporaries this process made and has not removed yet (:func:`unfinished`): what
#: :func:`removed_when_killed` removes before a signal ends the process
_UNFINISHED: set[Path] = set()

#: the signals whose default action ends the process at once, that livecut does not otherwise
#: take (SIGINT, SIGTERM, SIGHUP stop a run: :func:`livecut.runner.finalize_on_signals`)
KILLING_SIGNALS = ("SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGXCPU")


#: the folder of each temporary noted (:func:`unfinished`), held open until :func:`discard`: the
#: temporary is removed from it there where the folder was moved or renamed meanwhile, its path
#: naming nothing (`mv out out.old` mid-run left the output's temporary file, a whole video,
#: hidden in out.old/)
_FOLDERS: dict[Path, int] = {}


def unfinished(tmp: Path) -> Path:
    """``tmp``, a temporary file or folder of this process, noted as one to remove should a
    signal of :data:`KILLING_SIGNALS` end the process (:func:`removed_when_killed`) until
    :func:`discard` removes it; its folder, where it exists, is held open meanwhile
    (:data:`_FOLDERS`)."""
    tmp = Path(tmp)
    _UNFINISHED.add(tmp)
    if tmp not in _FOLDERS and os.unlink in os.supports_dir_fd and hasattr(os, "O_DIRECTORY"):
        try:
            _FOLDERS[tmp] = os.open(tmp.parent, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # (not made yet, or not readable: removed by its path alone)
            pass
    return tmp


#: held while a thread creates a temporary file noted (:func:`creating`), and for good by
#: :func:`remove_unfinished`: a thread about to create one then waits for the process's end
_CREATING = threading.RLock()


@contextlib.contextmanager
def creating():
    """Meanwhile a temporary file noted (:func:`unfinished`) may be created: FFmpeg creates a
    video's with its header, at the first packet, in the writer's thread.  Ctrl-\\ to a batch's
    group left a 48-byte ``.c2.mp4.livecut-*``: the writer created it just after the main
    thread's :func:`removed_when_killed` had removed the temporaries (none there yet), before
    the process ended."""
    with _CREATING:
        yield


def remove_unfinished() -> None:
    """Remove the temporaries noted (:func:`unfinished`) and not removed yet: the process is
    about to end (never raises).  Again while one is left: a writer thread may have added a
    frame to a folder of frames as it was removed (its last rmdir then failed).  One being
    created in another thread (:func:`creating`) is waited for, and no other is created after
    (the lock is kept: the process ends)."""
    _CREATING.acquire(timeout=10)  # (a creation stuck on a hung disk does not keep the process)
    for _ in range(5):
        left = [tmp for tmp in list(_UNFINISHED) if os.path.lexists(tmp)]
        if not left:
            break
        for tmp in left:
            _discard(tmp)


def removed_when_killed(also: tuple[str, ...] = ()) -> None:
    """For a program that owns the process (the CLI), in its main thread: each signal of
    :data:`KILLING_SIGNALS` left to its default action (not ignored, not taken) first removes
    the temporaries noted (:func:`unfinished`), then ends the process as it would have (status
    -3, a core dumped, for SIGQUIT).  Ctrl-\\ or a ``kill -USR1`` while `livecut file -` copied
    standard input left the copy, a whole video, in the temporary folder (a tmpfs: in memory)
    until the next `livecut file -`; mid-run, the output's temporary file, a hidden
    ``.out.mp4.livecut-*`` beside it, until the next run to that name.  (As GNU sort removes
    its temporary files.)  ``also``: the names of other signals so taken (a batch's worker:
    SIGTERM, see :func:`livecut.batch._init_worker`)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def removed_then_killed(signum, frame):
        remove_unfinished()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    for name in KILLING_SIGNALS + tuple(also):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, removed_then_killed)


#: a temporary file of a process that no longer runs is removed once it has not changed
#: for this long (a run on another machine writing to the same shared folder keeps its own
#: fresh: a video's is written every frame)
STALE_SECONDS = 60.0


def sweep_stale(final: Path, min_age: float = STALE_SECONDS) -> list[Path]:
    """Remove the temporary files or folders a killed run (SIGKILL, a power cut) on this
    machine left for ``final``: names exactly as :func:`temp_path` makes them, with this
    machine's tag, whose process is gone and which have not changed for STALE_SECONDS (a
    run on another machine writing to a shared folder is never judged from here; ``min_age``:
    another span, 0 where nothing else can be writing there).  Returns what was removed;
    never raises."""
    import re

    final = Path(final)
    into = written_through(final)  # (a link's: beside the file it leads to, with the link's suffix)
    return sweep_left_behind(into.parent, temp_prefix(into),
                             r"-[0-9a-f]{8}(" + re.escape(final.suffix) + r")?", min_age)


def stale_left(final: Path, min_age: float = STALE_SECONDS) -> list[str]:
    """:func:`sweep_stale`, then a warning for each of what it was to remove that is still there:
    a folder that lets no name be removed (append-only, ``chattr +a``: the next run to the name
    was to remove it, and left it without a word)."""
    final = Path(final)
    notes = []
    for tmp in sweep_stale(final, min_age):
        why = not_removed(tmp)
        if why is not None:
            what = "folder" if tmp.is_dir() else "file"
            notes.append(f"{tmp}: a temporary {what} of {final} an earlier run left could not be removed "
                         f"({why_left(why)}): remove it once the folder allows")
    return notes


def sweep_left_behind(folder: Path | str, prefix: str, rest: str, min_age: float = STALE_SECONDS) -> list[Path]:
    """Remove what killed runs of this machine left in ``folder``: names ``prefix`` + PID +
    ``-`` + this machine's tag + ``rest`` (a regular expression), whose process is gone and
    which have not changed for STALE_SECONDS (:func:`is_stale`).  Returns what was removed;
    never raises."""
    import glob
    import re
    import time

    removed: list[Path] = []
    pattern = re.compile(re.escape(prefix) + r"(\d{1,9})-" + re.escape(_host_tag()) + rest, re.ASCII)
    try:
        candidates = glob.glob(os.path.join(glob.escape(str(folder)), f"{glob.escape(prefix)}*"))
        now = time.time()
        for name in candidates:
            p = Path(name)
            m = pattern.fullmatch(p.name)
            if m is None or not is_stale(p, int(m.group(1)), now, min_age):
                continue
            discard(p)
            removed.append(p)
    except Exception:  # (never raises: a sweep must not stop a run)
        pass
    return removed


def raise_if_in_the_way(folder: Path, exc: OSError) -> None:
    """:class:`UsageError` when ``exc`` (making or reading ``folder``) comes from a file that
    stands where ``folder`` or one above it should be: a mistake in the command, not a disk's
    failure."""
    import errno

    from livecut.errors import UsageError

    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = next((q for q in (folder, *folder.parents) if q.exists() and not q.is_dir()), None)
        if blocker is not None:
            raise UsageError(f"{folder}: cannot create output folder: {blocker} is a file, not a folder") from None
        # (a link to a folder moved or deleted: it was 'cannot create output folder: File exists',
        # exit 1, where `ls` says there is nothing)
        dangling = dangling_link(folder)
        if dangling is not None:
            raise UsageError(f"{folder}: cannot create output folder: {dangling}") from None


def dangling_link(folder: Path) -> str | None:
    """``Q is a link to T, which is not there`` for the first of ``folder`` and the folders above
    it that is a symbolic link to nothing (a folder moved or deleted, a drive not mounted), else
    None: what stops ``folder`` from being made, where `ls` lists nothing in the way."""
    for q in (folder, *folder.parents):
        try:
            target = os.readlink(q) if q.is_symlink() and not q.exists() else None
        except OSError:
            continue
        if target is not None:
            return f"{q} is a link to {target}, which is not there"
    return None


def raise_if_link_loop(path: Path, exc: OSError) -> None:
    """:class:`UsageError` when ``exc`` (looking up or writing ``path``) comes from links that
    lead back to themselves (``ln -s a b; ln -s b a``): a mistake in the command, not a disk's
    failure ('cannot write there: Too many levels of symbolic links', exit 1)."""
    import errno

    from livecut.errors import UsageError

    if getattr(exc, "errno", None) == errno.ELOOP:
        raise UsageError(f"{path}: a link on its way leads back to itself (a loop of links); "
                         "name another place") from None


def identity(path: Path | str | int, follow: bool = True) -> tuple[int, int] | None:
    """The file or folder at ``path`` (or held open: its descriptor) as (device, inode), a link
    followed (``follow=False``: the link itself), or None where there is none: whether a folder
    written to is still the one it was (moved or removed mid-run), an output the one placed."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def pid_exists(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (or is another user's); True when it
    cannot be told.  Not ``os.kill(pid, 0)`` on Windows: there signal 0 is CTRL_C_EVENT,
    sent to the console's processes, and says nothing of ``pid``."""
    if sys.platform == "win32":
        import ctypes

        try:
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
            handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
            if not handle:
                # ERROR_INVALID_PARAMETER: no such process; ERROR_ACCESS_DENIED: another user's
                return ctypes.get_last_error() != 87  # type: ignore[attr-defined]
            try:
                code = ctypes.c_ulong()
                ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
                return not ok or code.value == 259  # STILL_ACTIVE
            finally:
                kernel32.CloseHandle(handle)
        except (OSError, AttributeError, ValueError, ctypes.ArgumentError):
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        pass
    # a zombie has ended (it writes nothing), though signal 0 finds it until it is reaped: the
    # workers of a batch killed with -9 stay so a second or two (in a container whose PID 1 does
    # not reap, for good), and the rerun at once left their temporary files beside the outputs
    try:
        line = Path(f"/proc/{pid}/stat").read_bytes()
    except (OSError, ValueError):
        return True
    state = line[line.rfind(b")") + 2:][:1]  # (after the command's name, which may hold ") ")
    return state not in (b"Z", b"X")


def is_stale(p: Path, pid: int, now: float, min_age: float = STALE_SECONDS) -> bool:
    """Whether ``p``, written by process ``pid`` of this machine, was left by a run that is
    gone: that process does not exist and ``p`` has not changed for ``min_age`` seconds."""
    if pid == os.getpid() or pid_exists(pid):
        return False  # that process runs (or is another user's): not ours to remove
    try:
        return now - p.lstat().st_mtime >= min_age
    except OSError:
        return False


def special_kind(mode: int) -> str | None:
    """What a file of ``mode`` (``st_mode``) is when it is a named pipe, a device or a socket, in
    the words messages say it ("a FIFO (named pipe)", "a device", "a socket"), else None."""
    return ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or
            stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else None)


#: the names of this process's open files, per descriptor (``/proc/self/fd/N``)
_FD_NAMES = {0: "standard input", 1: "standard output", 2: "standard error"}


def open_file_named(final: str | Path) -> int | None:
    """The file descriptor ``final`` names when it leads, through symbolic links, to an open
    file of a process's (``/dev/stdout``, ``/dev/fd/1``, ``/proc/self/fd/1``: Linux's
    ``/proc/PID/fd``), else None."""
    import re

    p = os.path.abspath(final)
    try:
        for _ in range(40):  # (the system's own limit of links in a row)
            folder = os.path.realpath(os.path.dirname(p))
            name = os.path.basename(p)
            if name.isdigit() and re.fullmatch(r"/proc/(self|thread-self|\d+)(/task/\d+)?/fd|/dev/fd", folder):
                return int(name)
            p = os.path.join(folder, name)
            if not os.path.islink(p):
                return None
            p = os.path.join(folder, os.readlink(p))
    except (OSError, ValueError):
        pass
    return None


def check_not_special(final: str | Path) -> None:
    """Refuse an output name held by a named pipe, a device or a socket, or a link to one
    (``--force`` or not): the finished output is renamed over its name, which would put a
    regular file in its place (a FIFO's reader left waiting for ever; as root, a device node
    replaced); and one that names an open file (``/dev/stdout``: as root, the system's link
    replaced)."""
    try:
        mode = os.lstat(final).st_mode
    except (OSError, ValueError):
        return
    replaced = "livecut renames its finished output into place, which would replace it"
    kind = special_kind(mode)
    if kind is not None:
        raise OutputExistsError(f"{final}: is {kind}, not a regular file; {replaced}: choose another -o")
    if not stat.S_ISLNK(mode):
        return
    fd = open_file_named(final)
    if fd is not None:
        raise OutputExistsError(f"{final}: is {_FD_NAMES.get(fd, 'an open file')} (file descriptor {fd}), "
                                f"not a file; {replaced}: choose another -o")
    try:
        kind = special_kind(os.stat(final).st_mode)
    except (OSError, ValueError):
        return
    if kind is not None:
        raise OutputExistsError(f"{final}: is a link to {kind}, not a regular file; {replaced}: choose another -o")


def folder_in_the_way(src: str | Path, final: str | Path) -> OutputExistsError:
    """The error for a folder where the output file ``final`` of ``src`` goes (``--force`` does
    not replace a folder): said alike by `livecut image` and for a photo's or a video's item of
    `livecut batch` (a video's was `livecut file`'s, '(end it with / for a PNG sequence)')."""
    return OutputExistsError(f"{src}: output {final} is a folder; move it or choose another -o")


def _exists_error(final: Path) -> OutputExistsError:
    return OutputExistsError(f"{final}: exists (written by another run meanwhile?); "
                             f"give {FORCE} to overwrite")


#: the write failures after which every later write to that disk fails alike (a full disk, a
#: read-only one -- a memory card locked --, a quota): what a run that stops there says
DISK_STOPS = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only",
              errno.EDQUOT: "the disk quota is exceeded"}


def disk_stop(exc: BaseException, stops: dict[int, str] = DISK_STOPS) -> str | None:
    """What ``stops`` (:data:`DISK_STOPS`) says of ``exc``'s error number (FFmpeg's negative one
    too), or None."""
    code = getattr(exc, "errno", None)
    return stops.get(abs(code)) if isinstance(code, int) else None


#: the write failures after which every later write into that folder fails alike: DISK_STOPS,
#: and a folder this user may not write to (made read-only, another user's): what a run of many
#: outputs (`livecut image`, `livecut batch`) stops at, saying so of that folder
FOLDER_STOPS = {**DISK_STOPS, errno.EACCES: "the folder cannot be written to (permission denied)"}


#: what a run of many outputs stops at where a new file cannot be made in the folder with "Operation not
#: permitted" (EPERM): a folder made immutable (``chattr +i``; macOS's ``chflags uchg``) refuses them to
#: everyone, root too.  EPERM elsewhere concerns one file (replacing a final file made immutable, with
#: ``force``): the run goes on with the others.
NO_NEW_FILES = "the folder takes no new files (operation not permitted: made immutable?)"


def folder_stop(exc: BaseException) -> str | None:
    """What :data:`FOLDER_STOPS` says of ``exc``'s error number (FFmpeg's negative one too), or None;
    for EPERM, :data:`NO_NEW_FILES` where ``exc`` was raised making the output's temporary file in
    its folder (its ``creating`` attribute), else None (a folder made immutable failed every photo
    one by one, each cut for nothing)."""
    if getattr(exc, "creating", False) and disk_stop(exc, {errno.EPERM: NO_NEW_FILES}):
        return NO_NEW_FILES
    return disk_stop(exc, FOLDER_STOPS)


def io_reason(exc: BaseException) -> str:
    """A short reason for an OS/FFmpeg error, naming a full or read-only disk plainly."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or code == -errno.ENOSPC:
        return "no space left on the device"
    if code == errno.EROFS or code == -errno.EROFS:
        return "read-only file system"
    if code == errno.EDQUOT:
        return "disk quota exceeded"
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(": '")[0].strip() or type(exc).__name__


def write_reason(exc: BaseException, final: str | Path) -> str:
    """:func:`io_reason` of a failure writing ``final`` (its temporary name beside it, or moving it
    into place), save where ``exc`` is "No such file or directory" and ``final``'s folder is no
    longer there: that folder is gone, moved or removed during the run (it was "No such file or
    directory" alone, of a file the user never named)."""
    code = getattr(exc, "errno", None)
    folder = Path(str(final).rstrip("/\\") or ".").parent
    if isinstance(code, int) and abs(code) == errno.ENOENT and not os.path.isdir(folder):
        return f"its folder {folder} is gone: moved or removed during the run"
    return io_reason(exc)


def lookup_reason(exc: OSError) -> str:
    """Why looking a name up failed, in words: a name too long for a file's (over 255 bytes:
    it was "internal error: OSError", exit 1), else "cannot read: ..." (:func:`io_reason`)."""
    return "file name too long" if exc.errno == errno.ENAMETOOLONG else f"cannot read: {io_reason(exc)}"


#: what an input in a loop of links is said to be (the output's: :func:`raise_if_link_loop`)
LOOP_OF_LINKS = "a link on its way leads back to itself (a loop of links)"


def not_there(path: str | Path, missing: str) -> str:
    """Why ``path``, which ``exists()`` said is not there, cannot be read: ``missing`` ("file not
    found"), or where a link on its way leads back to itself (``ln -s b.mp4 a.mp4; ln -s a.mp4
    b.mp4``) :data:`LOOP_OF_LINKS`: `ls` shows it, and it was said not to exist."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return LOOP_OF_LINKS
    except ValueError:
        pass
    return missing


def holds_earlier(final: str | Path, pattern: str | None = None) -> bool:
    """Whether an earlier output stands at ``final``: a file, or for a folder of frames
    (``pattern``: their names) one of them (what a run of a file stopped by a signal leaves
    as it was: see the file sinks' ``keep_earlier``)."""
    final = Path(final)
    try:
        return final.is_file() if pattern is None else final.is_dir() and any(final.glob(pattern))
    except OSError:
        return False


#: errors of fsync that say the file system has nothing to flush or cannot (tmpfs, some FUSE
#: and network file systems, a folder on some systems): the rename goes on; any other (EIO,
#: ENOSPC of a delayed allocation, EDQUOT) says the data did not reach the disk
_NO_SYNC = frozenset(e for e in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EROFS,
                                 getattr(errno, "EBADF", None)) if e is not None)


def sync_file(path: Path | str) -> None:
    """Flush the data of the closed file ``path`` to the disk (``fsync``).  Raises OSError where
    the disk did not take it (EIO, ENOSPC, EDQUOT), nothing where the file system cannot
    flush (EINVAL, ENOTSUP)."""
    # (Windows: FlushFileBuffers needs a handle open for writing)
    flags = (os.O_RDWR | getattr(os, "O_BINARY", 0)) if os.name == "nt" else os.O_RDONLY
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_SYNC:
            raise
    finally:
        os.close(fd)


def sync_folder(folder: Path | str) -> None:
    """Flush ``folder``'s entries (a rename into it) to the disk; never raises (a folder cannot
    be opened or flushed on Windows and on some file systems: the rename stands, only its
    ordering after a crash is not promised there)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sync_tree(folder: Path) -> None:
    """:func:`sync_file` on each file in ``folder`` (one level, as commit_dir's frames), then
    :func:`sync_folder` on it."""
    for p in folder.iterdir():
        if p.is_file() and not p.is_symlink():
            sync_file(p)
    sync_folder(folder)


def not_removed(tmp: Path) -> OSError | None:
    """Why ``tmp`` (a file, or an empty folder), which :func:`discard` was to remove, is still
    there (None: it is gone): a folder that takes new names but lets none be removed
    (append-only, ``chattr +a``: EPERM, root too), a file held open on Windows."""
    if not os.path.lexists(tmp):
        return None
    try:
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            os.rmdir(tmp)
        else:
            Path(tmp).unlink()
    except OSError as exc:
        return exc
    return None


#: Linux's ioctl that reads a file's attributes (chattr's), and the immutable one among them
FS_IOC_GETFLAGS = 0x80086601
FS_IMMUTABLE_FL = 0x10


def _immutable(path) -> bool:
    """Whether ``path`` (not followed if a link) is immutable (``chattr +i``: it can be neither
    changed, removed nor renamed, nor a name in it added or removed if a folder, root too);
    False where that cannot be asked (not Linux, a file system without attributes)."""
    try:
        import fcntl

        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except (ImportError, OSError, TypeError, ValueError):
        return False
    try:
        flags = fcntl.ioctl(fd, FS_IOC_GETFLAGS, bytes(8))
        return bool(int.from_bytes(flags[:4], sys.byteorder) & FS_IMMUTABLE_FL)
    except OSError:
        return False
    finally:
        os.close(fd)


def why_left(exc: OSError) -> str:
    """Why a temporary file could not be removed (:func:`not_removed`), or an earlier frame
    replaced or removed (:func:`commit_dir`), in words: EPERM is an immutable file or folder
    (one the error names, or its folder) where it is one, else a folder that takes new names but
    lets none be removed (it was said "append-only?" of an immutable frame too)."""
    if exc.errno == errno.EPERM:
        return (_immutable_reason(exc)
                or "operation not permitted: a folder that takes new names but lets none be removed, append-only?")
    return io_reason(exc)


def _immutable_reason(exc: OSError) -> str | None:
    """An EPERM ``exc`` in words where a file it names, or that file's folder, is immutable."""
    if exc.errno != errno.EPERM:
        return None
    for name in (exc.filename2, exc.filename):
        if name is None:
            continue
        for path in (Path(os.fsdecode(name)), Path(os.fsdecode(name)).parent):
            if _immutable(path):
                return f"operation not permitted: {path} is immutable, chattr +i"
    return None


def commit(tmp: Path, final: Path, force: bool) -> str | None:
    """Move the complete file ``tmp`` to ``final`` (see the module docstring), its data flushed
    to the disk before and the folder's entry after; ``tmp`` is removed afterwards, whatever
    happens.  Returns None; or, where the output is in place but ``tmp`` could not be removed
    (a folder that takes new names but lets none be removed: append-only, ``chattr +a``), a
    warning that names it, a second name of the output (it was left there without a word);
    where the output could not be put in place and ``tmp`` stays, the error names it too."""
    tmp, final = Path(tmp), Path(final)
    into = final
    try:
        sync_file(tmp)
        if force:
            check_not_special(final)  # (made meanwhile: said before the run too)
            into = written_through(final)  # (a link to a file: that file is replaced, the link kept)
            _keep_mode(into, tmp)
            try:
                os.replace(tmp, into)
            except PermissionError as exc:
                # (an append-only folder renames nothing: a new name is linked as without force;
                # it was "cannot move the finished output into place (Operation not permitted)")
                if exc.errno != errno.EPERM or os.path.lexists(into):
                    raise
                try:
                    os.link(tmp, into)
                except OSError:
                    raise exc from None
        else:
            try:
                os.link(tmp, final)  # atomic and exclusive: EEXIST if the name is taken
            except FileExistsError:
                raise _exists_error(final) from None
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                # no hard links here (some network/FAT file systems): reserve the name exclusively
                try:
                    os.close(os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                    os.replace(tmp, final)
                except FileExistsError:
                    raise _exists_error(final) from None
                except BaseException:
                    # (Ctrl-C, SIGTERM or a failed rename once the name was reserved: the empty file
                    # that reserved it stayed at the output's final name, which a rerun with
                    # --skip-existing kept as done)
                    _drop_reserved(final, tmp)
                    raise
        sync_folder(into.parent)
    except OSError as exc:
        discard(tmp)
        left = not_removed(tmp)
        kept = f"; the finished output is left at {tmp}, which could not be removed ({why_left(left)})" if left else ""
        why = _immutable_reason(exc) or write_reason(exc, final)  # (an immutable output: "Operation not permitted")
        raise WriteError(f"{final}: cannot move the finished output into place ({why}){kept}") from None
    finally:
        discard(tmp)
    left = not_removed(tmp)
    if left is None:
        return None
    return (f"{final}: written, but its temporary file {tmp}, a second name of the same file, could not be "
            f"removed ({why_left(left)}): remove it once the folder allows")


def _keep_mode(final: Path, tmp: Path) -> None:
    """Give ``tmp`` the permissions of the file it is to replace at ``final``, as a write over it
    in place (``ffmpeg -y``) keeps them: a private output (0600) became readable by every user
    (0644), a group's shared one (0664) no longer writable by the group, once replaced with
    ``--force``.  A link at the output's name to a file: ``final`` is that file, replaced through
    it (:func:`written_through`); a link leading elsewhere is replaced itself: nothing is taken from
    it; nor from a name where no file stands.  Never raises."""
    try:
        st = os.lstat(final)
        if stat.S_ISREG(st.st_mode):
            os.chmod(tmp, stat.S_IMODE(st.st_mode) & 0o777)
    except OSError:
        pass


def _drop_reserved(final: Path, tmp: Path) -> None:
    """Remove the empty file that reserved ``final`` for :func:`commit` where ``tmp``, the output,
    was not renamed over it (it is still there); never raises but a signal's exception, and then
    after the removal, as :func:`discard`."""
    def drop() -> None:
        try:
            if os.path.lexists(tmp) and os.lstat(final).st_size == 0:
                os.unlink(final)
        except OSError:
            pass

    try:
        drop()
    except KeyboardInterrupt:
        drop()
        raise


def discard(tmp: Path | None) -> None:
    """Remove a temporary file or folder (never raises but a signal's exception, and then
    after the removal: one raised within it -- SIGTERM just after :func:`commit` linked the
    output into place -- left the temporary file beside the output)."""
    if tmp is None:
        return
    try:
        _discard(Path(tmp))
    except KeyboardInterrupt:  # (Ctrl-C, or Terminated: a second one is ignored while finalizing)
        _discard(Path(tmp))
        raise
    finally:
        _UNFINISHED.discard(Path(tmp))
        fd = _FOLDERS.pop(Path(tmp), None)
        if fd is not None:
            os.close(fd)


def _discard(tmp: Path) -> None:
    fd = _FOLDERS.get(tmp)
    try:
        if fd is not None and not os.path.lexists(tmp):  # (its folder moved or renamed: removed there)
            if stat.S_ISDIR(os.lstat(tmp.name, dir_fd=fd).st_mode):
                shutil.rmtree(tmp.name, ignore_errors=True, dir_fd=fd)
            else:
                os.unlink(tmp.name, dir_fd=fd)
        elif tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink()
    except OSError:
        pass


@contextlib.contextmanager
def signals_held():
    """SIGINT, SIGTERM and SIGHUP held back in the main thread meanwhile, then delivered (the
    first one, as it came: the handler of the caller takes it); a no-op in another thread.  For
    steps that must not be parted: a batch's worker being started (a Ctrl-C meanwhile stopped the
    driver before it knew that worker's pid, so that the worker outlived it); the pages of eval's
    contact sheet moved into place (a Ctrl-C between two left a page of this run beside one of an
    earlier run's, read as one sheet)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    saved = {}
    try:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                sig = getattr(signal, name)
                saved[sig] = signal.signal(sig, lambda signum, frame: held.append(signum))
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if held:
            signal.raise_signal(held[0])  # (as it came: the handler of the caller takes it)


def commit_dir(tmp: Path, final: Path, force: bool, pattern: str) -> str | None:
    """Move the files of the complete folder ``tmp`` into ``final``.

    A new ``final`` is the renamed ``tmp`` (atomic).  An existing ``final`` (allowed when it
    holds no ``pattern`` files, or with ``force``) receives each file by ``os.replace``;
    with ``force``, old ``pattern`` files the new run did not write are removed, so the
    folder never mixes two runs.  In a folder that takes new names but lets none be removed
    or renamed (append-only, ``chattr +a``: EPERM, root too) ``final`` is made there and
    receives each file so; ``tmp``, empty, then stays: returns a warning that names it (else
    None), as :func:`commit` does.  An existing ``final`` made append-only refuses the first
    frame replaced or removed, before a new name goes in: the error says so, the earlier
    frames as they were.
    """
    tmp, final = Path(tmp), Path(final)
    earlier = None  # (the earlier frames replaced or removed: None before the moves, then how many)
    try:
        _sync_tree(tmp)
        try:
            os.rename(tmp, final)  # final missing (or an empty folder): one atomic step
            sync_folder(final.parent)
            return None
        except OSError as exc:
            if exc.errno == errno.EPERM and not os.path.lexists(final):
                # (an append-only folder renames nothing: the whole run's frames were thrown away,
                # "cannot move the finished frames into place (Operation not permitted)", exit 1,
                # and the empty temporary folder left beside, unsaid; a new name is taken)
                try:
                    final.mkdir()
                except OSError:
                    raise exc from None
            elif exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR, errno.EPERM,
                                   errno.EXDEV):  # (EXDEV: a link to a folder on another disk, filled below)
                raise
        if not final.is_dir():
            raise OutputExistsError(f"{final}: exists and is not a folder")
        new = {p.name for p in tmp.iterdir()}
        old = [p for p in final.glob(pattern) if p.name not in new]
        if not force and (old or any((final / n).exists() for n in new)):
            raise OutputExistsError(f"{final}: already holds frames (written by another run "
                                    f"meanwhile?); give {FORCE} to overwrite")
        # (the names there replaced and the earlier frames removed before a new name is added: an
        # append-only folder, which takes new names but replaces and removes none, refuses the
        # first, the earlier frames as they were; the new names went in first, "cannot move the
        # finished frames into place (Operation not permitted)" saying nothing of why, and a folder
        # whose first frames had been removed was left with the new run's beside the earlier run's)
        there = sorted(n for n in new if os.path.lexists(final / n))
        earlier = 0
        # (a Ctrl-C between two steps left part of this run's frames without the earlier run's,
        # or beside them: held until the folder is whole)
        with signals_held():
            for name in there:
                os.replace(tmp / name, final / name)
                earlier += 1
            for p in old:
                p.unlink()
                earlier += 1
            for name in sorted(new.difference(there)):
                os.replace(tmp / name, final / name)
        sync_folder(final)
    except OSError as exc:
        discard(tmp)
        left = not_removed(tmp)
        kept = f"; its temporary folder {tmp} could not be removed ({why_left(left)})" if left else ""
        why, as_were = write_reason(exc, final), ""
        if earlier is not None and exc.errno == errno.EPERM and (there or old):  # (a frame there kept)
            why = why_left(exc)
            as_were = "; the earlier frames are left as they were" if earlier == 0 else ""
        raise WriteError(f"{final}: cannot move the finished frames into place ({why}){as_were}{kept}") from None
    finally:
        discard(tmp)
    left = not_removed(tmp)
    if left is None:
        return None
    return (f"{final}: written, but its temporary folder {tmp}, empty, could not be removed "
            f"({why_left(left)}): remove it once the folder allows")
