"""``livecut batch``: a whole library of photos and videos, resumable, on every core or on Ray.

Planning (:func:`plan`): the inputs (files, folders walked recursively, globs, a ``--list``
file) become :class:`Item` s whose outputs mirror the input tree under ``OUTDIR`` (paths
relative to the deepest folder that holds every input); the manifest
``OUTDIR/livecut-batch.jsonl`` decides what is already done.

Execution: one item function, :func:`run_item`, calls exactly what ``livecut image``
(:func:`livecut.images.process_images`) and ``livecut file`` (:func:`livecut.runner.run_video`)
call; it runs in worker processes of a local ``ProcessPoolExecutor`` (forkserver, SIGINT
ignored, OpenCV threads = cores // workers: ``jobs``, or the items where fewer) or as Ray
tasks.  Only the driver writes the manifest: a ``started`` line when an item is handed out
(whether something stood at its final name then), and one JSON line when it finishes, each
appended and fsync'ed, so a crash loses at most the line being written (a truncated last line
is ignored when read back); an output found at its final name for an item whose last line is
``started``, where nothing stood before, is this batch's own: the next run does the item again
over it (not refused as "exists").

Ctrl-C: the workers are killed (outputs are written under a temporary name and renamed
into place only when complete, :mod:`livecut.atomic`, so nothing partial appears at a final
name; the temporary files of the items in flight are removed), everything finished stays
recorded, and :class:`livecut.runner.Interrupted` (exit 130) is raised.
"""

from __future__ import annotations


import contextlib
import glob
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from livecut.atomic import signals_held as _signals_held
from livecut.atomic import (check_not_special, discard, disk_stop, folder_in_the_way, folder_stop, holds_earlier,
                            identity, io_reason, name_too_long, not_removed, not_there, pid_exists,
                            raise_if_in_the_way, raise_if_link_loop, remove_unfinished, removed_when_killed,
                            special_kind, sweep_stale, temp_prefix, unfinished, why_left)
from livecut.config import CompositeConfig, Config, VideoConfig, text_codec
from livecut.errors import (LivecutError, OutputExistsError, UsageError, WriteError, cli_text, interrupt_under,
                            json_names, json_names_read, stop_text)
from livecut.imageio import _video_container
from livecut.imageio import (IMAGE_EXTS, MAX_PIXELS, NAMED_ONLY_EXTS, RAW_EXTS, first_visit, folded_name,
                             folders_matched, gifs_left_out, given_twice, glob_paths, name_clash, pattern_base,
                             raw_left_out, same_file, say_other_case, unreadable)
from livecut.progress import clock, count_stops, rate_text
from livecut.threads import usable_cpus
from livecut.urls import file_for_ffmpeg, not_local

MANIFEST = "livecut-batch.jsonl"
#: video files a folder or glob contributes (any file named explicitly is tried by its extension)
VIDEO_EXTS = (".mp4", ".m4v", ".mkv", ".mov", ".avi", ".webm", ".mts", ".m2ts", ".ts", ".mpg", ".mpeg",
              ".wmv", ".flv", ".3gp", ".mxf", ".dv", ".vob", ".ogv")
#: the photos' modes, as livecut.images.IMAGE_MODES (not imported: it imports OpenCV; a test checks)
IMAGE_MODES = ("cutout", "mask", "composite", "side-by-side")
VIDEO_MODES = ("composite", "mask", "cutout", "side-by-side")
#: ``--ray``'s word besides an address: a running cluster, else a local one
RAY_WORDS = ("auto",)
#: a worker process that died takes its item down with it this many times at most
MAX_ATTEMPTS = 3


class _WriteStop(Exception):
    """An item's output could not be written for a reason the next ones share
    (:func:`livecut.atomic.folder_stop`: the batch stops, as `livecut image` does); ``at``: the
    folder it is said of (a folder that cannot be written to), None for OUTDIR (its disk);
    ``folder``: the output's folder, said where it is on another disk than OUTDIR
    (:func:`_stop_folder`)."""

    def __init__(self, reason: str, at: str | None = None, folder: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.at = at
        self.folder = folder


def _stop_folder(folder: str | None, outdir: Path) -> str | Path:
    """Where a full, read-only or over-quota disk that stopped a batch is said to be: OUTDIR, save
    where the output's ``folder`` is on another file system (a disk mounted in the tree) or is
    read-only where OUTDIR is not (a read-only bind mount, of the same file system): that one (it
    was said of OUTDIR, 'out: the file system is read-only', of a folder that took files)."""
    try:
        if folder is not None and (os.stat(folder).st_dev != os.stat(outdir).st_dev
                                   or (os.statvfs(folder).f_flag ^ os.statvfs(outdir).f_flag) & os.ST_RDONLY):
            return folder
    except (OSError, AttributeError):  # (gone; no statvfs: Windows)
        pass
    return outdir


#: photos only when named (on the command line or in --list), as `livecut image` reads them
#: (its first frame); folders and globs do not contribute them, as in `livecut image` (a GIF, an APNG)
NAMED_IMAGE_EXTS = NAMED_ONLY_EXTS


def kind_of(path: Path, named: bool = False) -> str | None:
    """The kind of ``path`` by its extension: ``"image"``, ``"video"`` or None (not one this
    tool knows); ``named``: the file was named, not found in a folder or by a glob (a GIF is
    then a photo)."""
    ext = path.suffix.lower()
    if named and ext in NAMED_IMAGE_EXTS:
        return "image"
    return "image" if ext in IMAGE_EXTS else "video" if ext in VIDEO_EXTS else None


#: the first bytes of the picture types `livecut image` reads whatever a file's name (JPEG, PNG,
#: GIF, TIFF either byte order, BMP; WebP: RIFF....WEBP)
_PICTURE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")


def named_kind(path: Path) -> str | None:
    """:func:`kind_of` a file that was named (on the command line or in --list) or found; one whose
    extension says nothing (none: ``IMG_0001``, a download's ``photo.jpg.1``) is a photo when its
    first bytes are a picture's, as `livecut image` reads it by its content (`livecut batch
    IMG_0001` refused it as "not a photo or video this tool knows"); and one whose extension
    lies is what its first bytes say: a video container named .jpg is a video (it failed as
    "a video, not an image", where `livecut file` cuts it), a JPEG, PNG, TIFF, BMP or WebP
    named .mp4 a photo (it was cut as a one-frame video)."""
    kind = kind_of(path, named=True)
    try:
        if _special(path):  # (opened, a named pipe waited for a writer for ever)
            return kind
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return kind
    if kind == "image" and _video_container(head):
        return "video"
    # (a GIF named .mp4 is left a video: FFmpeg reads it as one, and folders give no GIF photos)
    picture = head.startswith(tuple(m for m in _PICTURE_MAGIC if not m.startswith(b"GIF")))
    if kind == "video" and (picture or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")):
        return "image"
    if kind is None and (head.startswith(_PICTURE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")):
        return "image"
    return kind


def _special(path: Path) -> str | None:
    """What ``path`` is where it is not a regular file ("a FIFO (named pipe)", "a device", "a
    socket"), else None.  Raises OSError."""
    mode = os.stat(path).st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return special_kind(mode) or "a socket"


@dataclass
class Item:
    """One input and its output (``rel``: the output's path relative to OUTDIR)."""

    src: Path
    kind: str
    rel: str
    size: int = 0
    #: estimated frames (1 for a photo) and work (frames x megapixels): the order, the ETA
    frames: int = 1
    work: float = 1.0
    mtime_ns: int = 0
    #: its picture's bytes a pixel decoded, and whether its file is held meanwhile (:func:`picture_bytes`;
    #: 0: not known): its worker's memory
    pixel_bytes: int = 0
    held: bool = True
    digest: str | None = None
    force: bool = False
    #: the output at its final name was written by an earlier run of this batch (the
    #: manifest says so): it stays this batch's to replace, whatever becomes of this run
    owned: bool = False
    #: something stood at the output's final name when planned (recorded in the ``started``
    #: line: what is found there after a crash is this batch's only where nothing was)
    existed: bool = False


@dataclass
class Plan:
    outdir: Path
    todo: list[Item] = field(default_factory=list)
    #: items the manifest shows done (or failed, without ``retry_failed``) with unchanged inputs
    skipped_done: int = 0
    skipped_failed: int = 0
    #: of those, the items refused because an output it did not write was there (--force, not
    #: --retry-failed, is what they wait for)
    skipped_existing: int = 0
    #: exit codes of the failures skipped (the batch is still not a success)
    skipped_codes: list[int] = field(default_factory=list)
    #: (input, error) refused while planning (missing file, output clash): recorded as failed
    refused: list[tuple[Item | None, str]] = field(default_factory=list)
    #: said, not failed: a pattern matching nothing beside one that takes its files in another case
    warnings: list[str] = field(default_factory=list)
    #: said, not failed: a file or folder named twice, done once
    notes: list[str] = field(default_factory=list)
    #: each input's absolute path (as the items and the manifest name it) -> its path as given
    #: (`photos/b.jpg` under `livecut batch photos/`), where they differ: the lines said name it so
    shown: dict[str, str] = field(default_factory=dict)


@dataclass
class BatchReport:
    done: int = 0
    failed: int = 0
    skipped_done: int = 0
    skipped_failed: int = 0
    skipped_existing: int = 0
    frames: int = 0
    #: of ``frames``, the photos' (one each, as the manifest counts them): the summary says them
    #: as photos, not frames
    photos: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: what an item's output leaves out (an animated GIF's frames after the first, a colour
    #: profile its type cannot hold ...): said even when the run is quiet, as `livecut image`
    #: and `livecut file` say it
    warnings: list[str] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    #: the tracebacks of items' internal errors ("cannot process: ..."), which LIVECUT_DEBUG=1 shows
    tracebacks: list[str] = field(default_factory=list)
    #: why the default --jobs was lowered below the cores (:func:`default_jobs`), or None
    jobs_note: str | None = None
    #: the items handed to the workers this run (known before the first starts, as ``early`` is called)
    todo: int = 0
    #: the videos among them
    videos: int = 0
    #: the items done whose video lost frames to damage (``Stats.partial``), as their inputs are
    #: named under the folder given: the summary says them
    partial: list[str] = field(default_factory=list)

    def summary(self) -> str:
        # (each of these said only where there are some, as `livecut image` says its "there
        # already": it said "4 done, 0 failed, 0 already done, 1 failed before")
        skipped = f", {self.skipped_done} already done" if self.skipped_done else ""
        if self.skipped_failed:
            # (refused as their outputs were there, --retry-failed refuses them again: it said
            # "--retry-failed retries them" alone, and that retry failed as before)
            hint = "--retry-failed retries them"
            if self.skipped_existing == self.skipped_failed:
                hint = ("its output was there: --force overwrites it" if self.skipped_failed == 1
                        else "their outputs were there: --force overwrites them")
            elif self.skipped_existing:
                hint += f", --force the {self.skipped_existing} whose output was there"
            skipped += f", {self.skipped_failed} failed before ({hint})"
        jobs = f"; {self.jobs_note}" if self.jobs_note else ""
        # (nothing cut, everything already done: it said "0 frames in 0.0 s (0.0 fps)"; photos were
        # said as frames, a batch of photos '15 frames in 4.1 s (3.7 fps)': they are said as
        # photos, a mixed batch's beside its videos' frames, without a rate that would mix the two)
        photos, video_frames = self.photos, self.frames - self.photos
        took = f"in {self.seconds:.1f} s"
        frames = ""
        if photos and video_frames:
            frames = f"; {_count(photos, 'photo')} and {_count(video_frames, 'video frame')} {took}"
        elif photos:
            frames = f"; {_count(photos, 'photo')} {took} ({rate_text(photos, self.seconds, 'photo/s', 'photo')})"
        elif video_frames:
            frames = f"; {_count(video_frames, 'frame')} {took} ({fps_text(video_frames, self.seconds)})"
        done = f"{self.done} done"
        if self.partial:  # (a video that lost frames to damage was said '1 done' as a whole one, as
            # `livecut file` calls it partial)
            names = ", ".join(self.partial[:3]) + (f" and {len(self.partial) - 3} more" if len(self.partial) > 3
                                                    else "")
            done += f" ({len(self.partial)} partial: {names})"
        return f"{done}, {self.failed} failed{skipped}{frames}{jobs}"

    @property
    def exit_code(self) -> int:
        """0, or 1 when an item failed at run time, else 3 (incomplete) or 2 (bad input); items
        skipped because they failed before count too."""
        if not self.failed and not self.skipped_failed:
            return 0
        codes = set(self.exit_codes) or {1}
        return 1 if 1 in codes else 3 if 3 in codes else min(codes)


# ------------------------------------------------------------------ planning

def _resolved(path: Path) -> Path:
    """``path.resolve()``, or its absolute path where a symbolic link loop stops the resolution
    (Python < 3.13 raises RuntimeError): such a name is then an item that cannot be read, not
    the end of the batch."""
    try:
        return path.resolve()
    except RuntimeError:
        return Path(os.path.abspath(path))


def _manifest_outputs(folder: Path) -> set[Path]:
    """Every output a batch's manifest in ``folder`` names (resolved), whatever became of it."""
    try:
        return {(folder / rec["output"].rstrip("/")).resolve() for rec in _records(folder / MANIFEST)
                if isinstance(rec.get("output"), str)}
    except OSError:
        return set()


def _walk(folder: Path, skip: Path, errors: list[str] | None = None,
          gifs: list[Path] | None = None) -> list[Path]:
    """The photos and videos under ``folder``; hidden names, OUTDIR (``skip``) and, below
    ``folder``, the outputs another batch's manifest names (`batch . -o cut2` beside an earlier
    `cut/`: the cutouts, not the photos kept beside them) are left out.  A folder that cannot
    be read (no permission) is an error line in ``errors``, not a folder left out unsaid; the
    GIFs, cut only when named, and the camera raw files, not read, are added to ``gifs``.  A folder that is a symbolic link is
    walked under its own name (it was left out without a word, though read when named), once:
    one walked already (a second link to it, a link back up the tree) is not walked again."""
    found = []
    outputs: set[Path] = set()
    first_time = first_visit()
    first_time(folder)

    def unreadable(exc: OSError) -> None:
        if errors is not None:
            errors.append(f"{exc.filename or folder}: cannot read the folder: {exc.strerror or exc}")

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        rootp = Path(root)
        try:
            if rootp != folder and (rootp / MANIFEST).is_file():
                outputs |= _manifest_outputs(rootp)
        except OSError:  # (a folder listed but not entered, chmod 444: its files are refused as
            pass         # unreadable when planned; it stopped the batch, 'internal error')
        dirs[:] = [d for d in sorted(dirs) if not d.startswith(".") and _resolved(rootp / d) != skip
                   and first_time(rootp / d)]
        for f in sorted(files):
            q = rootp / f
            if f.startswith(".") or not kind_of(q):
                if gifs is not None and not f.startswith(".") and (kind_of(q, named=True)
                                                                   or q.suffix.lower() in RAW_EXTS):
                    gifs.append(q)
                continue
            if outputs:
                r = _resolved(q)
                if r in outputs or any(parent in outputs for parent in r.parents):
                    continue  # (a PNG frame of an output DIR/ too)
            found.append(q)
    return found


def _is_file(path: Path) -> bool:
    """``path.is_file()``; a name in a folder that can be listed but not entered (chmod 444),
    which cannot be asked, counts as a file: it is refused as unreadable when planned (a glob
    that reached one stopped the batch, 'internal error: PermissionError')."""
    try:
        return path.is_file()
    except OSError:
        return True


def _terminal(stream) -> bool:
    """``stream`` (standard input) is a terminal; False where it is closed or none."""
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def _stdin_bytes() -> bytes:
    """What standard input holds (to its end).  Raises OSError where there is none."""
    import io
    import sys

    from livecut.sources.stdin import copy_all

    if sys.stdin is None:
        raise OSError(0, "no standard input")
    buf = io.BytesIO()
    copy_all(sys.stdin.buffer, buf)  # (a pipe left non-blocking: waited on, not cut short)
    return buf.getvalue()


def list_files(list_file: str | Sequence[str] | None) -> list[str]:
    """The list files given (``--list``, which may be given more than once: a second one
    replaced the first without a word)."""
    lists = [list_file] if isinstance(list_file, str) else list(list_file or [])
    if lists.count("-") > 1:
        raise UsageError("--list - is given twice: standard input is read once")
    return lists


def expand(inputs: Iterable[str], outdir: Path, list_file: str | Sequence[str] | None = None,
           warnings: list[str] | None = None, typed: Callable[[str], None] | None = None,
           notes: list[str] | None = None,
           shown: dict[str, str] | None = None) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Files, folders (recursively, OUTDIR excluded), globs and list files -> ``(file, root)``
    pairs (``root``: the folder the output tree mirrors from) and error lines; ``warnings``: as
    :func:`livecut.imageio.expand_inputs`'s; ``typed``: see :func:`_read_list`; ``notes``: where
    a file or folder named twice (``a.jpg ./a.jpg``, a link and its file) is said, done once;
    ``shown``: filled with each file's absolute path -> its path as given, where they differ."""
    texts = list(inputs)
    errors: list[str] = []
    for list_file in list_files(list_file):
        texts += _read_list(list_file, errors, typed)
    return _expand_texts(texts, outdir, errors, warnings, notes, shown)


def _read_list(list_file: str, errors: list[str], typed: Callable[[str], None] | None = None) -> list[str]:
    """The paths named in the list file ``list_file`` (- for standard input); a list that names
    none is an error line in ``errors``.  ``typed``: called with ``list_file`` just before a list
    to be typed at a terminal is read, for a command line to say what it waits for."""
    if list_file == "":  # (--list "$LIST" with LIST unset: it said '--list : cannot read: Is a directory')
        raise UsageError("--list is empty: give a file of paths, one a line (- for standard input)")
    try:
        # (a BOM, as Windows editors write, is no part of the first path; a name that is not
        # UTF-8 is the file's own bytes, as the system gives such names)
        # (UTF-16 with its BOM, as Windows PowerShell's `>` writes: it was "not a text file
        # of paths"; its names are text, a broken one replaced: that name is not found)
        # (-: standard input, `find shoot -name '*.mov' | livecut batch --list - -o cut`)
        import sys

        if list_file == "-":
            if typed is not None and _terminal(sys.stdin):
                typed(list_file)
            raw = _stdin_bytes()
        else:
            with open(list_file, "rb") as f:
                # (--list /dev/stdin, /dev/tty at a terminal: it waited without a word, as - did)
                if typed is not None and os.isatty(f.fileno()):
                    typed(list_file)
                raw = f.read()
        codec = text_codec(raw, "utf-8-sig")
        lines = raw.decode(codec, errors="replace" if codec == "utf-16" else "surrogateescape").splitlines()
    except IsADirectoryError:  # (it was "cannot read: Is a directory", where --subset says what it takes)
        import shlex

        raise UsageError(f"--list {list_file}: a folder, not a file of paths (one a line); a folder is "
                         f"given as an input: livecut batch {shlex.quote(list_file)} -o OUTDIR") from None
    except OSError as exc:
        raise UsageError(f"--list {list_file}: cannot read: {exc.strerror or exc}") from None
    if any("\x00" in ln for ln in lines):  # (no path holds one: a picture given for the list?)
        # (`find shoot -print0 > list`, or `| livecut batch --list -`: paths, each ended by a NUL;
        # "not a text file" did not say what to change)
        parts = "\n".join(lines).split("\x00")
        if len(parts) > 1 and parts[-1] in ("", "\n") and all(
                q and not any(ord(c) < 32 for c in q) for q in parts[:-1]):
            raise UsageError(f"--list {list_file}: its paths are ended by NUL characters (find -print0); a list "
                             "has one path a line (find -print)")
        raise UsageError(f"--list {list_file}: not a text file of paths (one a line)")
    named = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not named:  # (a `find` that found nothing: '0 done, 0 failed', exit 0, as if done; said as an
        # empty folder given is, a failed item)
        errors.append(f"--list {list_file}: names no photos or videos (no path in it, only blank lines "
                      "or # comments)")
    return named


def _unquoted(text: str) -> str:
    """A hint for a path not found that is the name of one in quotes (``"C:\\shoot\\a.jpg"``, as
    Windows' "Copy as path" writes it into a list, or a spreadsheet's export): the quotes are
    read as part of the name, a list's lines being taken as they are; else ''."""
    inner = text.strip()
    if len(inner) < 3 or inner[0] not in "\"'" or inner[-1] != inner[0]:
        return ""
    inner = inner[1:-1]
    try:
        found = Path(os.path.expanduser(inner)).exists()
    except (OSError, ValueError):
        return ""
    return f" (the quotes are read as part of its name: write the path without them, {inner})" if found else ""


def _expand_texts(texts: list[str], outdir: Path, errors: list[str], warnings: list[str] | None = None,
                  notes: list[str] | None = None,
                  shown: dict[str, str] | None = None) -> tuple[list[tuple[Path, Path]], list[str]]:
    """:func:`expand` of the paths ``texts`` (given and listed), error lines added to ``errors``."""
    skip = outdir.resolve()
    files: list[Path] = []
    # (a file or folder named twice, `a.jpg ./a.jpg`, a link and its file, or on the command line
    # and in a --list, was done once without a word: '1 done' of two given; by what it is, the
    # name it was given by first)
    named: dict[Any, int] = {}  # (each file or folder named, by same_file: the index in ``texts`` of its first name)
    twice: list[tuple[str, str, bool]] = []  # (its first name, a later one, whether it is a folder)
    anchors: set[Path] = set()  # a folder given is mirrored from itself, a file from its folder
    unmatched: list = []  # (patterns that matched nothing: see say_other_case below)
    for index, text in enumerate(texts):
        refused = not_local(text, "`livecut batch` reads local files", pictures=True)
        if refused:  # (a URL in a list file, refused as on the command line)
            errors.append(refused)
            continue
        p = Path(os.path.expanduser(text))
        try:
            is_dir, exists = p.is_dir(), p.exists()
        except OSError as exc:  # (inside a folder without permission, chmod 000: it stopped the
            errors.append(f"{p}: cannot read: {exc.strerror or exc}")  # batch, 'internal error')
            continue
        if is_dir:
            walk_errors: list[str] = []
            gifs: list[Path] = []
            found = _walk(p, skip, walk_errors, gifs)
            errors.extend(walk_errors)
            if not found and not walk_errors:  # (GIFs or raw files alone: said, as `livecut image` says it)
                errors.append(f"{p}: folder holds no photos or videos" + raw_left_out(gifs) + gifs_left_out(gifs))
            elif not (p.resolve() == skip or skip in p.resolve().parents):
                anchors.add(Path(os.path.abspath(p)))
            if found and (first := named.setdefault(same_file(p), index)) != index:
                twice.append((texts[first], text, True))
            files.extend(found)
        elif exists:
            if skip in p.resolve().parents and p.resolve() not in _manifest_outputs(skip):
                # (dropped below as a result of an earlier run: say so, it was named)
                errors.append(f"{p}: is inside the output folder {outdir}; write the results elsewhere "
                              "(-o OTHER)")
                continue
            if (first := named.setdefault(same_file(p), index)) != index:
                twice.append((texts[first], text, False))
            files.append(p)
        elif glob.has_magic(text):
            every = [Path(q) for q in glob_paths(os.path.expanduser(text))]
            matched = [q for q in every if _is_file(q)]
            found = sorted(q for q in matched if kind_of(q))
            if not found:
                errors.append(f"{text}: pattern matches no photos or videos"
                              + unreadable(pattern_base(os.path.expanduser(text))) + raw_left_out(matched)
                              + gifs_left_out(matched) + folders_matched(every, text))
                unmatched.append((len(errors) - 1, text, lambda q: _is_file(q) and kind_of(q)))
            files.extend(found)
        else:
            errors.append(f"{p}: {not_there(p, 'file not found')}" + _unquoted(text))
    if twice and notes is not None:
        notes.append(given_twice(twice))
    if unmatched:  # (photos that another input takes, '*.JPG' given beside '*.jpg', are not said)
        taken = {same_file(f) for f in files}
        say_other_case(unmatched, errors, warnings, lambda q: same_file(q) in taken)
    # each file once (two names of one file: the first), under the name it was found by: a
    # symbolic link keeps its own name and place in the mirrored tree, not its target's; a hard
    # link is its file too
    unique: dict[Any, Path] = {}
    for f in files:
        r = _resolved(f)
        if skip in r.parents:
            continue  # a result of an earlier run, not an input
        # (abspath folds "link/.." by its text; the system by the link: resolve the folder then)
        a = unique.setdefault(same_file(f), f.parent.resolve() / f.name if ".." in f.parts else Path(os.path.abspath(f)))
        if shown is not None and str(a) != str(f):  # (said as given: photos/b.jpg, not /home/me/.../photos/b.jpg)
            shown.setdefault(str(a), str(f))
    if not unique:
        if files:  # (`batch . -o .`: every photo found is inside OUTDIR)
            errors.append(f"{outdir}: every photo and video found is inside the output folder (taken for "
                          "results); write the results elsewhere (-o OTHER)")
        return [], errors
    named = list(unique.values())
    try:
        root = Path(os.path.commonpath([str(a) for a in anchors] + [str(a.parent) for a in named]))
    except ValueError:  # (Windows: inputs on two drives have no common folder to mirror)
        drives = sorted({Path(os.path.abspath(a)).drive for a in named})
        raise UsageError(f"the inputs are on different drives ({', '.join(drives)}), which one output tree "
                         "cannot mirror: run one batch per drive") from None
    return [(a, root) for a in named], errors


def _folders_of(rel: str) -> list[str]:
    """The folders above the output ``rel`` (``a/b/c.png``: ``a/``, ``a/b/``), as
    :func:`output_rel` names a video's frames folder (with its ``/``)."""
    parts = Path(rel).parts[:-1]
    return [str(Path(*parts[:n])) + "/" for n in range(1, len(parts) + 1)]


def output_rel(src: Path, root: Path, kind: str, video_ext: str) -> str:
    rel = src.relative_to(root)
    if kind == "image":
        return str(rel.with_name(f"{rel.stem}.png"))  # what `livecut image` writes
    if video_ext == "/":
        return str(rel.with_name(rel.stem)) + "/"
    return str(rel.with_name(rel.stem + video_ext))


def estimate(path: Path, kind: str) -> tuple[int, float]:
    """(frames, frames x megapixels) from the file's header, without decoding; a rough guess
    from the file size when the header says nothing."""
    try:
        if kind == "image":
            import numpy as np

            from livecut.imageio import _peek_size

            if stat.S_ISREG(os.stat(path).st_mode):
                # (mapped, not read: only the pages of its header are, and a TIFF's directory after its
                # pixels, as libtiff writes it: in the first 256 KB alone it was missed, and an 8000x6000
                # float TIFF's work guessed from its 576 MB, 2304 megapixels, its worker's memory that
                # of a 200-megapixel photo's and the batch's note 'for photos up to 200 MP')
                wh = _peek_size(np.memmap(path, np.uint8, mode="r"))
            else:
                with open(path, "rb") as f:
                    head = f.read(1 << 18)
                wh = _peek_size(np.frombuffer(head, np.uint8))
            if wh:
                return 1, wh[0] * wh[1] / 1e6
        else:
            import av

            from livecut.sources.file import frame_rate, length_unsaid, video_streams

            # (tags that are not UTF-8, an old tool's Latin-1 title, failed the open: no frame count)
            with av.open(file_for_ffmpeg(path), "r", metadata_errors="ignore") as c:
                vs = video_streams(c)[0]  # (the one `livecut file` cuts)
                # (an AVI written to a pipe says 1073741824 frames: a 2 s clip was the batch's
                # longest item, its progress stuck near 0 % till that clip was done)
                unsaid = length_unsaid(vs)
                n = 0 if unsaid else vs.frames
                rate = frame_rate(vs)
                if not n and not unsaid and vs.duration and vs.time_base and rate:
                    n = int(vs.duration * vs.time_base * rate)
                if not n and not unsaid and c.duration and rate:
                    n = int(c.duration / 1e6 * rate)
                if n:
                    return int(n), n * vs.codec_context.width * vs.codec_context.height / 1e6
    except Exception:
        pass
    size_mb = path.stat().st_size / 1e6 if path.exists() else 1.0
    return (1, max(0.1, size_mb * 4)) if kind == "image" else (0, max(0.1, size_mb * 20))


#: the samples of a PNG's pixel as OpenCV decodes it, by its colour type (gray with alpha, made
#: BGRA; a palette's BGR or BGRA)
_PNG_SAMPLES = {0: 1, 2: 3, 3: 4, 4: 4, 6: 4}


def picture_bytes(path: Path) -> tuple[int, bool]:
    """``(bytes, held)``: the bytes a pixel of a photo's picture takes decoded, from its header --
    a TIFF's first picture its samples times their bytes (16 for floating-point RGBA, 6 for 16-bit
    RGB), from its directory (the file mapped, not read); a PNG's as OpenCV decodes it (8 for
    16-bit RGBA), from its IHDR -- and whether its file is held in memory while it is decoded (a
    PNG's, read whole: True; a TIFF is decoded from its path); ``(0, True)`` for another file or
    one whose header cannot be read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return 0, True
        import numpy as np

        from livecut.imageio import _tiff_layout

        data = np.memmap(path, np.uint8, mode="r")
        if data[:8].tobytes() == b"\x89PNG\r\n\x1a\n" and data[12:16].tobytes() == b"IHDR":
            depth, colour = int(data[24]), int(data[25])
            return _PNG_SAMPLES.get(colour, 0) * (2 if depth == 16 else 1), True
        bits, samples, *_ = _tiff_layout(data)
    except (OSError, ValueError, IndexError):  # (an empty file cannot be mapped)
        return 0, True
    return samples * bits // 8, False


#: memory a worker needs beyond its input's pixels (the interpreter, OpenCV, the networks):
#: `livecut image` of a 320x240 JPEG peaked at 126 MB (maximum RSS, 2-core development machine)
WORKER_BASE_BYTES = 130_000_000
#: and per pixel of its photo: the README's "Large photos" peaks (Quality and speed), the worst
#: of them -- 1.1 GB for an uncompressed 16-bit TIFF of 61 megapixels, (1.1 GB - 130 MB) / 61 MP
#: = 16 bytes a pixel (an 8-bit JPEG's cutout: 630-730 MB, 10 bytes a pixel; 24 MP: 330 MB; the
#: 16-bit TIFF, decoded from its path since, 0.8 GB; one of RGBA is 8 bytes a pixel, decoded twice)
PHOTO_BYTES_PER_PIXEL = 16
#: and times its file's size, where that is more and its picture's size is not known: the file is
#: read whole and decoded into a picture of about its size, through a second copy
PHOTO_FILE_TIMES = 3
#: and times its picture decoded, where its header says it (:func:`picture_bytes`) and that is more,
#: with its file where that is held meanwhile: decoded through a second copy, a floating-point TIFF
#: (a raw developer's, an HDR merge's: 12-16 bytes a pixel), decoded from its path, peaks at twice
#: it -- 1.6 GB for RGBA at 48 megapixels, 1.2 GB for RGB, compressed or not (a deflated one of 69 MB
#: was counted 0.9 GB) --, a 16-bit RGBA PNG (8 bytes a pixel) at its file and twice it: 1.09 GB at 48
#: megapixels for a file of 227 MB (counted 0.9 GB)
PICTURE_TIMES = 2
#: per pixel of a video's frame (decoder and encoder queues, x264's look-ahead): `livecut file`
#: of a 1080p clip peaked at 396 MB, of a 2160p one at 1052 MB (2 cores): 110-130 bytes a pixel
VIDEO_BYTES_PER_PIXEL = 130


def available_memory(cgroup: str = "/sys/fs/cgroup") -> int | None:
    """Bytes of memory available to new processes: Linux's ``MemAvailable`` (within the
    limit of this process's control group, if it has one: in a container ``MemAvailable`` is
    the host's), else the free physical pages ``os.sysconf`` reports, else all physical pages
    (an upper bound); None when unknown (Windows)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    room = _cgroup_room(cgroup)
                    return free if room is None else min(free, room)
    except (OSError, ValueError, IndexError):
        pass
    for name in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            pages, size = os.sysconf(name), os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            continue
        if pages > 0 and size > 0:
            return pages * size
    return None


def _cgroup_room(root: str) -> int | None:
    """What the memory limit of the control group at ``root`` leaves (its limit less its use:
    cgroup v2's ``memory.max`` and ``memory.current``, v1's ``memory/memory.limit_in_bytes``
    and ``memory.usage_in_bytes``), or None without a limit."""
    for limit, used in (("memory.max", "memory.current"),
                        ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes")):
        try:
            with open(os.path.join(root, limit), encoding="ascii") as f:
                cap = f.read().strip()
            if not cap.isdigit() or int(cap) >= 1 << 60:  # ("max", v1's "no limit": 2^63 rounded to pages)
                return None
            with open(os.path.join(root, used), encoding="ascii") as f:
                return max(0, int(cap) - int(f.read().strip()))
        except (OSError, ValueError):
            continue
    return None


def _count(n: int, what: str) -> str:
    """'1 photo', '15 photos'."""
    return f"{n} {what}{'s' if n != 1 else ''}"


def fps_text(frames: int, seconds: float) -> str:
    """Frames a second ('2.5 fps'); under 0.1, the seconds each ('23 s/frame': a batch of
    151-megapixel photos said '0.0 fps', as if none were cut)."""
    from livecut.progress import rate_text

    return rate_text(frames, seconds, "fps", "frame")


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e9:.2f} GB"


def _mp(px: float) -> str:
    return f"{px / 1e6:.0f} MP" if px >= 10e6 else f"{px / 1e6:.1f} MP"


def worker_need(items: Iterable[Item]) -> tuple[float, str]:
    """The memory a worker needs for the largest of ``items`` (:data:`WORKER_BASE_BYTES` and
    bytes per pixel of its photo or video frame, from the headers, or a photo's
    :data:`PHOTO_FILE_TIMES` its file's size, or :data:`PICTURE_TIMES` its picture decoded (and its
    file, held meanwhile) where its header says it, where that is more), and what that is for
    ("photos up to 61 MP"); 0 where no item's size is known."""
    need, what = 0, ""
    for it in items:
        if it.kind == "image":  # (the header's size, else the guess from the file's size)
            px = min(it.work * 1e6, MAX_PIXELS)
            decoded = (PICTURE_TIMES * it.pixel_bytes * px + (it.size if it.held else 0) if it.pixel_bytes
                       else PHOTO_FILE_TIMES * it.size)
            n = WORKER_BASE_BYTES + max(PHOTO_BYTES_PER_PIXEL * px, decoded)
            w = f"photos up to {_mp(px)}"
        elif it.frames:  # (a video whose header gave no frame size: not counted)
            px = it.work / it.frames * 1e6
            n, w = (WORKER_BASE_BYTES + VIDEO_BYTES_PER_PIXEL * px,
                    f"videos with frames up to {_mp(px)}")
        else:
            continue
        if n > need:
            need, what = n, w
    return need, what


def default_jobs(cores: int, items: Iterable[Item], available: int | None) -> tuple[int, str | None]:
    """The default number of local workers: ``cores``, fewer where that many workers, each with
    the memory the largest item needs (:func:`worker_need`), would not fit in ``available``
    bytes; never below 1.  Also a note saying why, when lowered (None otherwise, and when
    ``available`` is unknown)."""
    need, what = worker_need(items)
    if available is None or not need or cores * need <= available:
        return cores, None
    jobs = max(1, min(cores, int(available // need)))
    if jobs >= cores:
        return cores, None
    return jobs, (f"{jobs} job{'s' if jobs != 1 else ''}, not {cores}: about {_gb(need)} each for {what} "
                  f"and {_gb(available)} available (--jobs N to choose)")


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def _records(path: Path):
    """The manifest's records (dicts), in order; unreadable lines (a truncated last line) are
    skipped.  Raises OSError; :class:`UsageError` where a named pipe, a device or a socket has its
    name (opened, a FIFO with no writer, the batch waited there for ever, before it started)."""
    try:
        kind = special_kind(os.stat(path).st_mode)
    except OSError:
        kind = None
    if kind is not None:
        raise UsageError(f"{path}: is {kind}, not the batch's manifest (a file it writes); remove it, "
                         "or give another -o")
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                yield json_names_read(rec, NAMES)


def read_manifest(path: Path, by_output: bool = False) -> dict:
    """The last record of each input (``by_output``: of each ``(input, output)``, so that going
    back to an earlier --video-ext finds what that run wrote); unreadable lines (a truncated
    last line) are skipped."""
    records: dict = {}
    try:
        for rec in _records(path):
            if isinstance(rec.get("input"), str):
                records[(rec["input"], rec.get("output")) if by_output else rec["input"]] = rec
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise_if_in_the_way(path.parent, exc)  # (a file where the output folder should be)
        raise UsageError(f"{path}: cannot read the manifest: {exc.strerror or exc}") from None
    return records


def append_record(path: Path, record: dict, dir_fd: int | None = None) -> None:
    """One JSON line, appended and fsync'ed (after a newline if a crash left the last line cut);
    ``dir_fd``: as :func:`append_records` takes it."""
    append_records(path, [record], dir_fd)


#: the keys of a manifest line that name a file: one not UTF-8 (a Latin-1 archive's caf\xe9.jpg) is
#: written as text, the byte \xe9, and its exact bytes beside it, input_base64 (errors.json_names)
NAMES = ("input", "output")


def _json_line(record: dict) -> str:
    # (a name not UTF-8 was JSON's escape of a lone surrogate, "caf\udce9.jpg": no Unicode text, another
    # character in jq, refused by stricter readers; a manifest of those is still read, as Python reads it)
    return json.dumps(json_names(record, NAMES), ensure_ascii=False) + "\n"


def append_records(path: Path, records: list[dict], dir_fd: int | None = None) -> None:
    """JSON lines, appended and fsync'ed once (after a newline if a crash left the last line cut);
    ``dir_fd``: ``path``'s folder, held open (the file is found there, wherever it was moved)."""
    text = "".join(_json_line(rec) for rec in records)
    if not text:
        return
    opener = None if dir_fd is None else lambda name, flags: os.open(path.name, flags, 0o666, dir_fd=dir_fd)
    try:
        with open(path, "a+b", opener=opener) as f:
            if f.tell() > 0:
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    text = "\n" + text
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:  # a batch that cannot record what it did stops (exit 1)
        raise WriteError(f"{path}: cannot write the manifest ({io_reason(exc)})") from None


#: settings that change where and when the work is done, never a byte of an output: left out of
#: :func:`settings_key` (a batch run again with only --set video.segment_ahead=off, or another
#: video.queue_size, did every item again).  segment_ahead: the same frames byte for byte
#: (docs/transcode-threads.md); queue_size: frames buffered between the threads of a file run,
#: whose reader blocks on a full queue (a file source drops none).  And the settings of network
#: streams and pipes, which a batch (local files in, files out) never reads: the file source and
#: sink read none of them (only deinterlace, codec, crf, preset); a batch run again with only
#: another video.open_timeout did every item again
_NO_BYTE_CHANGED = {name: getattr(VideoConfig(), name) for name in (
    "segment_ahead", "queue_size", "open_timeout", "read_timeout", "reconnect", "reconnect_limit",
    "rtsp_transport", "tls_verify", "stream_bitrate", "pipe_format")}


def settings_key(cfg: Config, mode: str | None, background: str | None, use_hash: bool = False) -> str:
    """A short fingerprint of what shapes an output (mode, background, configuration): an item
    done with other settings is done again (not with another of :data:`_NO_BYTE_CHANGED`, which
    changes no byte of it).  A picture or video background (``background``, else the
    configuration's) counts by its kind and its file's content, as an input does: its size and
    modification time, or with ``use_hash`` its SHA-256 (not its path: a library moved with its
    backdrop is the one recorded, and so is the same file named relative or absolute).  By its name alone, a backdrop edited since the last run (or
    another file of that name, the command run from another folder) left every composite as it
    was, 'already done'."""
    from livecut.composite import background_file, parse_background

    def named(text: str | None) -> str | None:
        # (-b 'image: bg.png' is bg.png, as the run takes it: it counted as another text, every
        # item done again after -b image:bg.png, and its file was looked for as ' bg.png')
        # (a picture or video by its kind alone, its file counted below by its content: the same
        # file named another way -- relative, absolute, a configuration's read beside it from
        # another folder -- counted as another backdrop, every item done again)
        found = background_file(text) if text else None
        if found or not text:
            return f"{found[0]}:(its file)" if found and found[1] else text
        # (a colour as the run takes it: -b red after -b '#ff0000' or color:#FF0000, or Blur after
        # blur, counted as another text, and every item was done again)
        try:
            bg = parse_background(text, files=False)
        except LivecutError:
            return text
        return "color:#{2:02x}{1:02x}{0:02x}".format(*bg.color) if bg.kind == "color" else bg.kind

    found = background_file(background or cfg.composite.background)
    background = named(background)
    composite = replace(cfg.composite, background=named(cfg.composite.background))
    if mode in ("mask", "cutout"):
        # a mode that shows no background, photos and videos alike: -b (said to be ignored) and
        # the configuration's composite settings change no byte (a batch run again with -b red, or
        # another composite.blur_strength, did every mask again)
        background, composite, found = None, CompositeConfig(), None
    cfg = replace(cfg, composite=composite, video=replace(cfg.video, **_NO_BYTE_CHANGED))
    parts = [mode, background, repr(cfg)]
    if found and found[1]:
        path = Path(os.path.expanduser(found[1]))
        try:
            st = path.stat()
            parts.append(file_digest(path) if use_hash else [st.st_size, st.st_mtime_ns])
        except (OSError, ValueError):  # (not there: said where it is used, or not looked for)
            parts.append(None)
    text = json.dumps(parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _unchanged(prev: dict, item: Item, key: str | None) -> bool:
    if key is not None and prev.get("settings") != key:
        return False
    if item.digest is not None:
        return prev.get("hash") == item.digest
    return prev.get("size") == item.size and prev.get("mtime_ns") == item.mtime_ns


def _owns(prev: dict, dst: Path) -> bool:
    """The output at ``dst`` is this batch's, by the last line of its item, ``prev``: written, or
    found at its final name for an item started where nothing stood, its result never recorded
    (a crash, SIGKILL, a power cut: this batch's own, to be done again)."""
    return bool(prev.get("written")) or (
        prev.get("status") == STARTED and prev.get("existed") is False and os.path.lexists(dst))


def _moved(records: list[dict], item: Item) -> dict | None:
    """Of ``records`` (the last line of each input of another path with ``item``'s output and
    file name), the one of the same file moved there: the same content (SHA-256 where both have
    one, else size and modification time, which a move or rename keeps), or None.  A library
    moved or renamed, or a drive mounted elsewhere, had each output refused as "exists" (not
    written by this batch) and --force did everything again."""
    for rec in reversed(records):
        if item.digest is not None and rec.get("hash") is not None:
            same = rec["hash"] == item.digest
        else:
            same = rec.get("size") == item.size and rec.get("mtime_ns") == item.mtime_ns
        if same:
            return rec
    return None


def plan(inputs: Iterable[str], outdir: Path, *, list_file: str | Sequence[str] | None = None, video_ext: str = ".mp4",
         use_hash: bool = False, retry_failed: bool = False, force: bool = False,
         settings: str | None = None, typed: Callable[[str], None] | None = None) -> Plan:
    """What to do: the items whose outputs are missing, whose inputs changed, or (with
    ``retry_failed``) that failed, or that were made with other ``settings``
    (:func:`settings_key`); largest input first.  ``typed``: see :func:`_read_list`."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise UsageError(f"{outdir}: output exists and is not a folder")
    from livecut.sinks.file import FRAME_PATTERN
    from livecut.sinks.file import VIDEO_EXTS as OUT_EXTS

    if not video_ext:  # (--video-ext "$EXT" with EXT unset: it said '--video-ext .: expected ...')
        raise UsageError(f"--video-ext is empty: give one of {', '.join(OUT_EXTS)} or / (PNG frames)")
    if video_ext != "/" and not video_ext.startswith("."):
        video_ext = "." + video_ext

    if video_ext != "/" and video_ext.lower() not in OUT_EXTS:
        from livecut.images import one_typo

        # (--video-ext .mkvv, .wemb: a typo of a type it writes, named as -o out.wemb's is)
        near = [e for e in OUT_EXTS if one_typo(video_ext.lower(), e)]
        raise UsageError(f"--video-ext {video_ext}: expected one of {', '.join(OUT_EXTS)} or / (PNG frames)"
                         + (f"; did you mean {near[0]}?" if near else ""))
    result = Plan(outdir=outdir)
    pairs, errors = expand(inputs, outdir, list_file, result.warnings, typed, result.notes, result.shown)
    result.refused += [(None, e) for e in errors]
    manifest = read_manifest(outdir / MANIFEST, by_output=True)
    # (by output and file name: the same file found under another path -- the library moved or
    # renamed, a drive mounted elsewhere -- is the input those records name, see _moved)
    by_name: dict[tuple, list[dict]] = {}
    for (inp, out), rec in manifest.items():
        by_name.setdefault((out, Path(inp).name), []).append(rec)
    taken: dict[str, Path] = {}
    folded: dict[str, str] = {}  # (the outputs taken by folded_name: A.png and a.png are one on macOS)
    holders: dict[str, Path] = {}  # (each folder of the outputs taken, "day2/": an input whose output is in it)
    inputs_resolved = {src for src, _ in pairs}
    # (and each input's file: an output by a bind mount of an input's folder was renamed over it)
    inputs_ids = {identity(src) for src, _ in pairs} - {None}

    def wrote_its_output(pair: tuple[Path, Path]) -> bool:
        kind = named_kind(pair[0])
        rec = kind and manifest.get((str(pair[0]), output_rel(pair[0], pair[1], kind, video_ext)))
        return bool(rec and rec.get("written"))

    # of two inputs with one output (x.png done, x.jpg added), the one whose output it is keeps
    # it: the other is refused (x.jpg came first and was refused as "exists", and x.png, done and
    # unchanged, was failed as "also the output of x.jpg", at every run after)
    pairs = sorted(pairs, key=lambda pair: not wrote_its_output(pair))
    for src, root in pairs:
        try:  # (a named pipe, capture.mp4 a recorder writes to: its header read for the estimate
            special = _special(src)  # waited for a writer for ever, before the batch started)
        except OSError:
            special = None  # (refused as unreadable below)
        if special:
            result.refused.append((None, f"{src}: is {special}, not a photo or video file"))
            continue
        kind = named_kind(src)  # (what folders and globs gave was taken by kind_of)
        if kind is None:
            why = f"not a photo or video this tool knows ({', '.join(IMAGE_EXTS[:3] + VIDEO_EXTS[:3])} ...)"
            try:  # (one whose first bytes could not be read, chmod 000, was 'not a photo or video')
                with open(src, "rb"):
                    pass
            except OSError as exc:
                why = f"cannot read: {exc.strerror or exc}"
            result.refused.append((None, f"{src}: {why}"))
            continue
        item = Item(src=src, kind=kind, rel=output_rel(src, root, kind, video_ext))
        dst = outdir / item.rel
        prev = manifest.get((str(src), item.rel))
        ours = prev is not None and prev.get("output") == item.rel
        item.owned = ours and _owns(prev, dst)

        def refuse(error: str) -> None:
            # refused the same way before, and recorded then: a failure skipped, as any other
            # (a rerun recorded it again each time), unless failures are retried; (a name in it not
            # UTF-8 is recorded as text, its byte \xe9: json_names)
            if (not retry_failed and ours and prev.get("status") != "ok"
                    and json_names(prev.get("error")) == json_names(error)
                    and _unchanged(prev, item, settings)):
                result.skipped_failed += 1
                result.skipped_codes.append(int(prev.get("exit_code") or 2))
            else:
                result.refused.append((item, error))

        try:
            st = src.stat()
            item.size, item.mtime_ns = st.st_size, st.st_mtime_ns
            if use_hash:
                item.digest = file_digest(src)
        except OSError as exc:  # (a link to nothing, or a loop: recorded once, as other refusals)
            why = exc.strerror or exc
            try:  # (a link to nothing, its photo moved or deleted: 'No such file or directory', of a
                # name that `ls` lists; said as `livecut image` says it)
                if src.is_symlink() and not src.exists():
                    why = not_there(src, f"a link to {os.readlink(src)}, which is not there")
            except OSError:
                pass
            refuse(f"{src}: cannot read: {why}")
            continue
        if prev is None:
            prev = _moved(by_name.get((item.rel, src.name), []), item)
            ours = prev is not None
            item.owned = ours and _owns(prev, dst)
        item.frames, item.work = estimate(src, kind)
        if kind == "image":
            item.pixel_bytes, item.held = picture_bytes(src)

        if item.rel in taken:
            refuse(f"{src}: output {dst} is also the output of {taken[item.rel]} (same name, another extension)")
            continue
        first = folded.get(folded_name(item.rel))
        if first is not None:
            verb, how, where = name_clash(item.rel, first)
            refuse(f"{src}: output {dst} {verb} {outdir / first}{how}, the output of {taken[first]}: {where}")
            continue
        # (--video-ext /: x.mp4's frames folder x/ is where the photos of a folder x/ beside it
        # go too: the second was written into the first's folder, or with --force over it)
        frames_dir = next((rel for rel in _folders_of(item.rel) if rel in taken), None)
        if frames_dir is not None:
            refuse(f"{src}: output {dst} is inside {outdir / frames_dir}, the frames folder of "
                   f"{taken[frames_dir]} (--video-ext /)")
            continue
        if item.rel.endswith("/") and item.rel in holders:
            refuse(f"{src}: output {dst} (its frames folder) holds the output of {holders[item.rel]}")
            continue
        # (a photo x.png beside a video x.png.mp4: the video's frames folder x.png/ and the
        # photo's cutout x.png are one name: the second was said to be "a folder; move it")
        twin = item.rel[:-1] if item.rel.endswith("/") else item.rel + "/"
        if twin in taken:
            refuse(f"{src}: output {dst}{' (its frames folder)' if item.rel.endswith('/') else ''} has the name "
                   f"of {outdir / twin}, the output of {taken[twin]} (--video-ext /)")
            continue
        taken[item.rel] = src
        folded[folded_name(item.rel)] = item.rel
        for rel in _folders_of(item.rel):
            holders.setdefault(rel, src)
        if _resolved(dst) in inputs_resolved or identity(dst) in inputs_ids:
            refuse(f"{src}: output {dst} would overwrite an input")
            continue
        if ours and _unchanged(prev, item, settings):
            # (a link there that leads nowhere, its file moved or deleted, is not the output, nor
            # is a frames folder emptied: each was counted done, and never written again)
            if prev.get("status") == "ok" and holds_earlier(dst, FRAME_PATTERN if item.rel.endswith("/") else None):
                result.skipped_done += 1
                continue
            # a photo stopped (Ctrl-C, SIGTERM, a crash) after its output was renamed into place,
            # before its result line: a photo is only ever renamed there whole (fsync'ed first), and nothing stood
            # there when it was handed out, so that output is its finished one -- it was done again
            if (item.kind == "image" and os.path.isfile(dst) and not os.path.islink(dst)
                    and (prev.get("status") == INTERRUPTED
                         or (prev.get("status") == STARTED and prev.get("existed") is False))):
                result.skipped_done += 1
                continue
            # (refused before because its output existed: --force is what that refusal asked for)
            refused_as_existing = force and EXISTS_HINT in str(prev.get("error") or "")
            if (prev.get("status") not in ("ok", INTERRUPTED, STARTED) and not retry_failed
                    and not refused_as_existing):
                result.skipped_failed += 1
                result.skipped_existing += EXISTS_HINT in str(prev.get("error") or "")
                result.skipped_codes.append(int(prev.get("exit_code") or 1))
                continue
        # an output this batch wrote earlier may be replaced; any other only with --force
        item.force = force or item.owned
        item.existed = os.path.lexists(dst)
        if item.existed and not item.rel.endswith("/") and os.path.isdir(dst):  # (--force does not replace it)
            refuse(str(folder_in_the_way(src, dst)))
            continue
        if item.existed and not item.rel.endswith("/"):
            try:  # (a named pipe, a device, a socket there: a video's said `livecut file`'s way out,
                check_not_special(dst)  # '(-o - > out/v.mp4 writes a stream into it)', which no batch takes)
            except OutputExistsError as exc:
                refuse(f"{src}: {exc}")
                continue
        if not item.force and item.existed:
            result.refused.append((item, f"{src}: output {dst} {EXISTS_HINT}"))
            continue
        result.todo.append(item)
    result.todo.sort(key=lambda it: (it.work, it.size), reverse=True)  # long videos first: they set the pace
    return result


#: the status of an item whose output appeared at its final name while Ctrl-C stopped the batch,
#: before its result came back: the output is this batch's, the item is done again (a photo's
#: output, only ever renamed there whole, is its finished one: counted already done, see plan)
INTERRUPTED = "interrupted"

#: the status of an item's first line, written when it is handed out (before its output can
#: appear), with ``existed``: whether something stood at its final name then; an item whose
#: last line it is was stopped before its result was recorded (a crash), and is done again
STARTED = "started"

#: how an item whose output exists (not written by this batch) is refused; ``--force`` on a
#: later run takes such an item up again without ``--retry-failed``
EXISTS_HINT = "exists (use --force to overwrite)"


# ------------------------------------------------------------------ one item (both backends)

@dataclass(frozen=True)
class Settings:
    """What every item needs besides its paths (picklable: it travels to the workers)."""

    cfg: Config
    mode: str | None = None
    background: str | None = None
    threads: int = 1


#: in a local worker process: where run_item reports the frames done so far (see _init_worker)
_FRAMES_QUEUE = None


def _frame_reporter(src: str):
    """``(on_start, stop)`` for run_video: sends ``(src, frames processed)`` to the driver
    every half second; no-ops where there is no queue (Ray tasks)."""
    import threading

    q = _FRAMES_QUEUE
    done = threading.Event()
    if q is None:
        return None, done.set

    def on_start(pipe) -> None:
        def loop() -> None:
            while not done.wait(0.5):
                try:
                    q.put((src, pipe.stats.processed))
                except Exception:
                    return

        threading.Thread(target=loop, name="livecut-frames", daemon=True).start()

    return on_start, done.set


def _window_reporter(src: str) -> Callable[[int, int], None] | None:
    """The ``windows`` of process_images for a photo of a batch: sends ``(src, k / n)``, the share
    of its panorama's windows judged (its one frame done in part), to the driver at most every
    half second, as :func:`_frame_reporter` sends a video's frames (a 200000x200 photo, minutes in
    400 windows, showed no progress, 'ETA -:--:--', to its end); None where there is no queue
    (Ray tasks)."""
    q = _FRAMES_QUEUE
    if q is None:
        return None
    last = [time.monotonic()]

    def on_window(k: int, n: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 and k < n:
            last[0] = now
            try:
                q.put((src, k / n))
            except Exception:
                pass

    return on_window


def photo_background(background: str | None) -> str | None:
    """``-b`` as the photos of a batch take it: a ``video:`` background is for the videos only
    (as the batch's help says), so for a photo it is as if no ``-b`` were given -- the photo then
    becomes what a ``video:`` background set in the configuration gives it (a cutout, or the
    configuration's ``mask``/``cutout`` mode: :func:`livecut.images.photo_mode`); any other
    background as it is."""
    if background and background.strip().lower().startswith("video:"):
        return None
    return background


def _webm_note(ext: str, cfg: VideoConfig) -> str | None:
    """The warning that the .webm videos (of ``--video-ext``, ``ext``) are VP9, not ``video.codec``
    (:func:`livecut.sinks.file.webm_codec_note`), which the batch says once: it was said for each
    video, a line each, the same but for its name."""
    from livecut.sinks.file import webm_codec_note

    return webm_codec_note(cfg) if ext.lower() == ".webm" else None


def _named(src: str, warning: str) -> str:
    """A video's warning as the batch says it, naming the item by its path: one that names the
    file as `livecut file` says it ('a.mp4: the first 49 frames ...', 'a.mp4 has 2 video
    streams') has the path in the name's place (it read '/in/a.mp4: a.mp4: the first ...');
    another is prefixed with it."""
    name = Path(src).name
    if warning.startswith((f"{name}:", f"{name} ")):
        return src + warning[len(name):]
    return f"{src}: {warning}"


def _trace(exc: BaseException) -> str:
    """``exc``'s traceback as text (an item's internal error, which ``LIVECUT_DEBUG=1`` shows: a
    worker's traceback does not reach the driver's standard error otherwise)."""
    import traceback

    return "".join(traceback.format_exception(exc))


def run_item(src: str, dst: str, kind: str, force: bool, settings: Settings) -> dict:
    """Process one photo or video exactly as ``livecut image`` / ``livecut file`` would; never
    raises: returns ``{"status": "ok"|"failed", "error", "exit_code", "frames", "seconds",
    "written", "notes", "warnings"}`` (``warnings``: what the output leaves out, which the
    command says even when quiet; those a batch says once a run, of a photo, its ``once``: the
    (kind, photo, warning, summary) of each, see :class:`livecut.images.Repeats`; an internal
    error's ``traceback`` too; a video that lost frames to damage, its ``partial``:
    :attr:`livecut.runner.Stats.partial`)."""
    import cv2

    cv2.setNumThreads(max(1, settings.threads))
    start = clock()
    out: dict = {"status": "failed", "error": None, "exit_code": 0, "frames": 0, "written": False,
                 "notes": [], "warnings": []}
    dstp = Path(dst)
    try:
        if kind == "image":
            from livecut.images import Repeats, image_mode, photo_mode, process_images

            # (the library's argument: it was said as the command line's "--mode nope")
            mode = image_mode(photo_mode(settings.mode, photo_background(settings.background), settings.cfg))
            # (the warnings said of every photo alike, a CMYK one's: the driver says them once a run, see
            # Repeats; the batch called process_images a photo at a time, and they were said of each)
            repeats = Repeats(deferred=True)
            report = process_images([src], dstp.parent, settings.cfg, mode=mode, progress=False, force=force,
                                    one_file=False, windows=_window_reporter(src), repeats=repeats)
            out["warnings"], out["notes"] = list(report.warnings), list(report.notes)
            if repeats.kept:
                out["once"] = [list(kept) for kept in repeats.kept]
            if report.errors:
                exc = report.exceptions[0] if report.exceptions else None
                out.update(error=cli_text(report.errors[0]), exit_code=getattr(exc, "exit_code", 2))
                if exc is not None and not isinstance(exc, LivecutError):  # (a bug: LIVECUT_DEBUG=1 shows it)
                    out["traceback"] = _trace(exc)
                _stop_at(out, exc, dstp)  # (the batch stops: see _run_batch)
            else:
                out.update(status="ok", frames=1, written=True)
        else:
            from livecut.runner import run_video

            try:
                dstp.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # (said as a photo's is: it was "cannot process: OSError: [Errno 30] ...")
                raise_if_in_the_way(dstp.parent, exc)
                raise WriteError(f"{dstp.parent}: cannot create output folder: {io_reason(exc)}") from None
            on_start, stop = _frame_reporter(src)
            try:
                stats = run_video(src, dst, settings.cfg, mode=settings.mode, background=settings.background,
                                  force=force, progress=False, pace=False, on_start=on_start)
            except LivecutError as exc:
                # an incomplete video was finalized at its name: a failure, but ours to replace
                out["written"] = getattr(exc, "exit_code", 1) == 3 and os.path.lexists(dst.rstrip("/"))
                if out["written"]:  # (the frames it holds: the manifest said 0)
                    out["frames"] = int(getattr(exc, "frames", 0) or 0)
                # (what the run noted before it ended early: said as after a run that ends)
                out["warnings"] = [_named(src, w) for w in getattr(exc, "warnings", None) or []
                                   if w != _webm_note(dstp.suffix, settings.cfg.video)]
                raise
            finally:
                stop()
            webm = _webm_note(dstp.suffix, settings.cfg.video)  # (said once by the batch, not a video)
            out["warnings"] = [_named(src, w) for w in stats.warnings if w != webm]
            out.update(status="ok", frames=stats.written, written=True)
            if stats.partial:
                out["partial"] = list(stats.partial)
    except LivecutError as exc:
        msg = cli_text(str(exc))  # (said by `livecut batch` and matched by EXISTS_HINT: --force)
        out.update(error=msg if src in msg else f"{src}: {msg}", exit_code=exc.exit_code)
        _stop_at(out, exc, dstp)  # (a video's write: the batch stops, as for a photo)
    except Exception as exc:  # one odd file must not stop the batch
        text = str(exc).strip().splitlines()[-1] if str(exc).strip() else ""
        out.update(error=f"{src}: cannot process: {type(exc).__name__}: {text}", exit_code=1,
                   traceback=_trace(exc))
    out["seconds"] = round(clock() - start, 3)
    return out


def _stop_at(out: dict, exc: BaseException | None, dst: Path) -> None:
    """Mark an item's result ``out`` whose write failed with ``exc`` for a reason the next items
    share (:func:`livecut.atomic.folder_stop`): ``stop``, what it is, and for a folder that cannot
    be written to, ``stop_at``, that folder (``dst``'s): one of the mirrored tree read-only made
    each photo fail on its own, cut for nothing, where a full disk stops the batch."""
    stop = folder_stop(exc) if exc is not None else None
    if stop:
        out["stop"] = stop
        if not disk_stop(exc):
            out["stop_at"] = str(dst.parent)
        else:  # (said of OUTDIR, its disk, unless on another one: see _stop_folder)
            out["stop_in"] = str(dst.parent)


def _dst(outdir: Path, item: Item) -> str:
    """The output path as run_item takes it (``DIR/`` keeps its slash: PNG frames)."""
    return str(outdir / item.rel) + ("/" if item.rel.endswith("/") else "")


def _missing_folders(outdir: Path, items: list[Item]) -> list[Path]:
    """The folders the outputs of ``items`` go into (OUTDIR and the mirrored ones) that do not
    exist yet, deepest first."""
    found: set[Path] = set()
    for it in items:
        folder = (outdir / it.rel.rstrip("/")).parent
        while folder not in found and not os.path.lexists(folder):
            found.add(folder)
            if folder == outdir:
                break
            folder = folder.parent
    return sorted(found, key=lambda f: len(f.parts), reverse=True)


def _remove_empty(folders: list[Path]) -> None:
    """Remove those of ``folders`` (deepest first) that are empty: made for outputs that were
    not written (Ctrl-C killed their items, or they failed)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): kept
            pass


def _remove_temps(dst: Path, left: list | None = None) -> None:
    """Remove the temporary files a killed worker left next to ``dst`` (``.NAME.livecut-*``);
    those still there are added to ``left`` (see :func:`_note_left`)."""
    final = Path(str(dst).rstrip("/"))
    for tmp in glob.glob(glob.escape(str(final.parent / temp_prefix(final))) + "*"):
        discard(Path(tmp))
        _note_left(Path(tmp), final, left)


def _note_left(tmp: Path, final: Path, left: list | None) -> None:
    """Add ``(tmp, warning)`` to ``left`` where ``tmp``, a temporary file or folder of ``final``
    that was to be removed, is still there: a folder that lets no name be removed (append-only,
    ``chattr +a``: it stayed beside the outputs, without a word)."""
    why = not_removed(tmp) if left is not None else None
    if why is None or any(t == tmp for t, _ in left):
        return
    what = "folder" if tmp.is_dir() else "file"
    left.append((tmp, f"{tmp}: a temporary {what} of {final} could not be removed ({why_left(why)}): "
                      "remove it once the folder allows"))


def _say_left(report, left: list) -> None:
    """The warnings of ``left`` (:func:`_note_left`) in ``report``'s, but for a file an item's
    warning names already (a finished output's second name, see :func:`livecut.atomic.commit`)."""
    for tmp, text in left:
        if text not in report.warnings and not any(str(tmp) in w for w in report.warnings):
            report.warnings.append(text)


# ------------------------------------------------------------------ backends

def _tracked(item_fn: Callable, src: str, *args) -> dict:
    """``item_fn(src, *args)`` in a local worker, which first tells the driver its pid (through
    the frames queue, ``(src, None, pid)``): when a worker dies, the item it was running is known,
    and the others the broken pool took down with it are not counted as attempts of theirs."""
    if _FRAMES_QUEUE is not None:
        try:
            _FRAMES_QUEUE.put((src, None, os.getpid()))
        except Exception:
            pass
    return item_fn(src, *args)


def _init_worker(threads: int, driver: int = 0, frames_queue=None) -> None:
    import signal

    import cv2

    global _FRAMES_QUEUE
    _FRAMES_QUEUE = frames_queue

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver stops the workers (Ctrl-C)
    # (Ctrl-\ to the whole group: each worker removes its temporaries too; and on the SIGTERM of
    # the pool, which stops the other workers when it finds one dead -- one that had not yet
    # taken its own Ctrl-\, on a loaded machine, died at once, its temporary file left in OUTDIR
    # by a driver dying too)
    removed_when_killed(also=("SIGTERM",))
    cv2.setNumThreads(max(1, threads))
    if driver:  # a driver killed outright (SIGKILL): stop at once rather than finish unrecorded items
        import multiprocessing
        import threading
        from multiprocessing.connection import wait

        # the driver's end of the pipe it started this worker through, which closes as it dies: a
        # driver killed and not yet reaped (by a program that reads its output to the end first,
        # which this worker holds open) is a zombie that a signal 0 still reaches
        parent = multiprocessing.parent_process()
        sentinel = parent.sentinel if parent is not None and parent.pid == driver else None

        def watch() -> None:
            while True:
                if sentinel is None:
                    time.sleep(0.5)
                if sentinel is not None and wait([sentinel], 0.5) or not pid_exists(driver):
                    remove_unfinished()  # (its output's temporary file: the driver cannot any more)
                    os._exit(1)
                    return  # (os._exit does not return; a test's stand-in does: the watch ends)

        threading.Thread(target=watch, name="livecut-driver-watch", daemon=True).start()


@contextlib.contextmanager
def _signals_ignored_by_programs_started():
    """A program started meanwhile (the forkserver, the resource tracker it starts, and so every
    worker it forks) ignores SIGINT and SIGHUP from its first instruction on (an ignored signal
    stays ignored across exec): a terminal's Ctrl-C, sent to the whole group, stopped the
    forkserver in the middle of its imports, or a worker before it could ignore SIGINT itself,
    each with a traceback; a terminal closed (SIGHUP, to the whole group) killed the resource
    tracker, which the driver started again as it stopped: a warning and a traceback for each
    semaphore freed after.  The driver stops them all.  SIGINT and SIGHUP are blocked here
    meanwhile, so that one that comes is delivered afterwards (Linux keeps a blocked signal
    pending, ignored or not)."""
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = [getattr(signal, name) for name in ("SIGINT", "SIGHUP") if hasattr(signal, name)]
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set(sigs))
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


#: the resource tracker's warning ('There appear to be 7 leaked semaphore objects to clean up at
#: shutdown') when the driver is gone without freeing the pool's semaphores: killed outright, by
#: SIGQUIT or SIGUSR1 (see livecut.atomic.removed_when_killed) or kill -9 (the tracker frees them)
_TRACKER_QUIET = "ignore:resource_tracker:UserWarning:multiprocessing.resource_tracker"


@contextlib.contextmanager
def _tracker_quiet():
    """The resource tracker started meanwhile (by the forkserver's start) says no
    :data:`_TRACKER_QUIET` warning: a batch killed so said two lines of Python's, a warning and
    its source line, after its death, where a killed process says nothing.  (Python passes
    ``sys.warnoptions`` to the programs of its own it starts as ``-W`` options.)"""
    import sys

    added = _TRACKER_QUIET not in sys.warnoptions
    if added:
        sys.warnoptions.append(_TRACKER_QUIET)
    try:
        yield
    finally:
        if added and _TRACKER_QUIET in sys.warnoptions:
            sys.warnoptions.remove(_TRACKER_QUIET)


class _Backend:
    """What the backends share on the driver's side: the items handed to a worker whose result
    was not yet handed to ``on_result`` (by the backend's handle for each: a future, a Ray object
    ref), and of those, the results that came back meanwhile (:meth:`results_left`)."""

    def __init__(self):
        #: handle -> item, from its hand-out until its result was handed to ``on_result``
        self.unhandled: dict = {}
        #: the temporary files of lost workers that could not be removed (see _note_left)
        self.left: list = []

    def _results_back(self, handles: list) -> dict:
        """handle -> result, for each of ``handles`` whose item's result is back in the driver
        (not a failure of the worker), without waiting for any other."""
        raise NotImplementedError

    def results_left(self) -> list[tuple[Item, dict]]:
        """The items whose result came back but was not handed to ``on_result`` (Ctrl-C came
        in between: in the wait that returned it, or while an earlier one was recorded), with
        their results; handled from then on.  Taken before :meth:`stop`, which does not keep
        them (a Ray backend cancels its refs) -- and nothing waits here for a worker it stops."""
        back = self._results_back(list(self.unhandled)) if self.unhandled else {}
        return [(self.unhandled.pop(h), result) for h, result in back.items()]


class _Local(_Backend):
    """``jobs`` worker processes; a pool broken by a dying worker is replaced and the items it
    held are tried again: at most MAX_ATTEMPTS times an item whose own worker died, the others
    (stopped with the pool) as often as needed."""

    def __init__(self, jobs: int, threads: int, item_fn: Callable = run_item):
        super().__init__()
        self.jobs, self.threads, self.item_fn = jobs, threads, item_fn
        self.pool = None
        self.frames_queue = None
        self._frames_fd, self._frames_buf = None, bytearray()  # (see _messages)
        #: input -> pid of the worker that took it up, in the current pool (see _tracked)
        self.pids: dict[str, int] = {}

    def _new_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            try:
                ctx.set_forkserver_preload(["livecut.batch", "livecut.images", "livecut.runner"])
            except Exception:  # pragma: no cover - best effort
                pass
            from multiprocessing import forkserver

            with _signals_held(), _signals_ignored_by_programs_started(), _tracker_quiet():
                forkserver.ensure_running()  # (the workers it forks ignore SIGINT as it does)
        else:  # Windows: spawn is the only start method
            ctx = multiprocessing.get_context("spawn")
        self.frames_queue = ctx.SimpleQueue()  # a fresh one: a dead worker may hold the old one's lock
        self._frames_fd, self._frames_buf = None, bytearray()
        reader = getattr(self.frames_queue, "_reader", None)  # (a private attribute: without it, q.get)
        if os.name == "posix" and reader is not None:  # (read by _drain without waiting; Windows' pipes pass each message whole)
            self._frames_fd = reader.fileno()
            os.set_blocking(self._frames_fd, False)
        return ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init_worker,
                                   initargs=(self.threads, os.getpid(), self.frames_queue))

    def _messages(self) -> list:
        """The whole messages in the frames queue now, without waiting: a worker that died in the
        middle of one (killed while its message was written: the header and part of it in the
        pipe) hung the driver for good in ``SimpleQueue.get``, which waited for the rest (the
        workers' end stays open), the worker's item never tried again nor failed; what is left
        of such a message stays here, and goes with the pool (the next has a fresh queue)."""
        import pickle
        import struct

        q = self.frames_queue
        if q is None:
            return []
        if self._frames_fd is None:
            out = []
            while not q.empty():
                out.append(q.get())
            return out
        while True:
            try:
                chunk = os.read(self._frames_fd, 1 << 16)
            except (BlockingIOError, InterruptedError):
                break
            if not chunk:
                break
            self._frames_buf += chunk
        buf, out, at = self._frames_buf, [], 0
        while True:  # (multiprocessing.connection's frames: a 4-byte size, -1 then an 8-byte one)
            if len(buf) - at < 4:
                break
            size, head = struct.unpack_from("!i", buf, at)[0], 4
            if size == -1:
                if len(buf) - at < 12:
                    break
                size, head = struct.unpack_from("!Q", buf, at + 4)[0], 12
            if len(buf) - at - head < size:
                break
            out.append(pickle.loads(bytes(buf[at + head:at + head + size])))
            at += head + size
        del buf[:at]
        return out

    def _drain(self, on_frames: Callable | None) -> None:
        for msg in self._messages():
            if len(msg) == 3:  # (an item started: the worker's pid, see _tracked)
                self.pids[msg[0]] = msg[2]
            elif on_frames is not None:
                on_frames(*msg)

    def _wake_on_a_death(self, woken: set) -> None:
        """Wake the pool's manager thread when one of its workers is found dead (its sentinel
        ready; each once, noted in ``woken``): ``ProcessPoolExecutor.submit`` wakes it before it
        starts the worker it needs, so the manager may wait without watching that worker, and
        its death went unnoticed until another worker's item ended -- its own item neither
        tried again nor failed meanwhile (hours beside a long video), for good where the
        others waited on a lock it held (the frames queue's).  Woken, the manager finds the
        death and the pool breaks, as for any worker that dies."""
        from multiprocessing.connection import wait as ready

        pool = self.pool
        procs = list((getattr(pool, "_processes", None) or {}).values())
        wakeup = getattr(pool, "_executor_manager_thread_wakeup", None)
        if not procs or wakeup is None:
            return
        dead = {s for s in ready([p.sentinel for p in procs], timeout=0)} - woken
        if dead:
            woken |= dead
            with getattr(pool, "_shutdown_lock", None) or contextlib.nullcontext():  # (as submit wakes it)
                wakeup.wakeup()

    def _killers(self, items: list[Item], procs: dict) -> list[Item]:
        """Of ``items``, taken down by a broken pool, those whose own worker died (not one the
        pool then stopped, SIGTERM: a worker that ran another item); all of them where none is
        known (a worker stopped from outside, or one that died before it told its pid)."""
        import signal

        dead = {pid for pid, p in procs.items() if p.exitcode not in (None, 0, -signal.SIGTERM)}
        return [it for it in items if self.pids.get(str(it.src)) in dead] or items

    def run(self, items: list[Item], settings: Settings, outdir: Path, on_result: Callable,
            on_frames: Callable | None = None, on_start: Callable | None = None) -> None:
        """Run ``items`` (in their order), ``on_result(item, result)`` for each; ``on_start(items)``
        is called before items are first handed to the pool: one per worker and one ahead, so
        that an item's ``started`` line is written shortly before it can write its output."""
        from collections import deque
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        attempts = {id(it): 0 for it in items}
        announced: set[int] = set()
        queue = deque(items)
        unstarted = 0  # (times a worker could not be started)
        while queue:
            self.pool = self._new_pool()
            self.pids = {}
            watched: set = set()  # (see _wake_on_a_death)
            futures: dict = {}
            retry: list[Item] = []
            broken = spawned = False  # (spawned: a worker could not be started, see below)
            while futures or (queue and not broken):
                if not broken and queue:
                    room = self.jobs + 1 - len(futures)
                    batch = [queue[i] for i in range(min(room, len(queue)))]
                    new = [it for it in batch if id(it) not in announced]
                    if new and on_start is not None:
                        on_start(new)
                    announced.update(id(it) for it in new)
                    for it in batch:
                        try:
                            with _signals_held():  # (submit starts a worker process, when one is missing)
                                fut = self.pool.submit(_tracked, self.item_fn, str(it.src), _dst(outdir, it),
                                                       it.kind, it.force, settings)
                                self.unhandled[fut] = it
                        except BrokenProcessPool:
                            broken = True
                            break
                        except (EOFError, ConnectionError):
                            # the forkserver died as it started a worker (killed: the out-of-memory
                            # killer): 'interrupted', exit 130 (click's Abort of an EOFError), or
                            # 'internal error: ConnectionRefusedError', and the batch stopped; the item stays queued (its call may be in the pool's
                            # queue already: the workers are stopped, their items done again, as
                            # when a worker dies), and the next pool starts a new forkserver
                            broken = spawned = True
                            unstarted += 1
                            if unstarted >= MAX_ATTEMPTS:  # (a new forkserver each time: no end to it)
                                raise LivecutError(f"the worker processes could not be started: their fork "
                                                   f"server died as they started ({MAX_ATTEMPTS} attempts)") from None
                            for p in list((getattr(self.pool, "_processes", None) or {}).values()):
                                p.terminate()
                            break
                        futures[fut] = it
                        queue.popleft()
                if not futures:
                    continue
                done, _ = wait(futures, timeout=0.5, return_when=FIRST_COMPLETED)
                self._drain(on_frames)
                self._wake_on_a_death(watched)
                for fut in done:
                    it = futures.pop(fut)
                    try:
                        on_result(it, fut.result())
                    except BrokenProcessPool:
                        broken = True
                        _remove_temps(outdir / it.rel, self.left)
                        retry.append(it)
                    self.unhandled.pop(fut, None)
            procs = dict(getattr(self.pool, "_processes", None) or {})
            self.pool.shutdown(wait=True)
            self.pool = None
            if retry:
                # a worker that died (a crash, the out-of-memory killer) broke the pool and took
                # the items of the other workers down with it: only its own item's try counts,
                # the others are done again as if untried (they were failed too, "the worker
                # process died (3 attempts)", when one file crashed its worker three times)
                self._drain(None)  # (the pids of the items started just before)
                # (stopped because a worker could not be started: none of them is to blame)
                killers = set() if spawned else {id(it) for it in self._killers(retry, procs)}
                for it in list(retry):
                    if id(it) in killers:
                        attempts[id(it)] += 1
                    if attempts[id(it)] >= MAX_ATTEMPTS:
                        retry.remove(it)
                        on_result(it, {"status": "failed", "exit_code": 1, "frames": 0, "seconds": 0.0,
                                       "written": False, "notes": [],
                                       "error": f"{it.src}: the worker process died "
                                                f"({MAX_ATTEMPTS} attempts)"})
            if retry:
                queue = deque(sorted(retry + list(queue), key=lambda it: (it.work, it.size), reverse=True))

    def _results_back(self, handles: list) -> dict:
        return {fut: fut.result() for fut in handles
                if fut.done() and not fut.cancelled() and fut.exception(timeout=0) is None}

    def stop(self) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        procs = list(getattr(pool, "_processes", {}).values())
        for p in procs:
            p.terminate()  # SIGTERM: the worker removes its temporary file and dies (see _init_worker)
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + 2.0
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in procs:
            if p.is_alive():  # (its main thread in a long C call -- a huge photo's encode -- takes the
                # SIGTERM only when the call returns: the run waited for it at exit; killed, its
                # temporary file stays, as a worker killed outright leaves it)
                p.kill()
                p.join(2.0)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Refuse a ``HOST:PORT`` (or ``ray://HOST:PORT``) nothing answers on, at once, rather than
    after Ray's own minutes of retries."""
    import socket

    text = address.split("://", 1)[-1]
    host, _, port = text.rpartition(":")
    if not host or not (port.isascii() and port.isdigit()):
        return  # not HOST:PORT: let Ray read it ("²" is a digit int() does not read: internal error)
    if not 0 < int(port) < 65536:  # (socket's OverflowError: internal error)
        raise UsageError(f"--ray {address}: port {int(port)} is outside 1-65535")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise UsageError(f"--ray {address}: no Ray cluster answers there ({exc.strerror or exc}); "
                         "start one with `ray start --head`, or use --ray auto") from None


def _refused_token(exc: BaseException) -> bool:
    """Whether Ray's connection error ``exc`` came from a cluster that refused a missing or wrong
    authentication token (Ray says so only in the error it chains, its class or its text)."""
    seen = 0
    while exc is not None and seen < 8:
        if type(exc).__name__ == "AuthenticationError" or "InvalidAuthToken" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _python_handlers() -> dict:
    """signal -> the Python function that handles it, of SIGINT, SIGTERM and SIGHUP (the CLI's
    stop the batch as Ctrl-C does); none outside the main thread."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    sigs = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    return {sig: handler for sig in sigs if callable(handler := signal.getsignal(sig))}


def _ray_queue(ray):
    """A queue of Ray's (an actor that takes no CPU) the tasks send their progress through; None
    where it cannot be made (the batch goes on without it)."""
    try:
        from ray.util.queue import Queue

        return Queue(actor_options={"num_cpus": 0})
    except Exception:
        return None


def _reporting(item_fn: Callable, frames) -> Callable:
    """``item_fn`` as a Ray task that sends its progress through ``frames`` (see :func:`_ray_queue`),
    as a local worker sends it through its pool's queue."""
    def item(*args):
        if frames is not None:  # (this module's, in the task: this function is sent by value)
            from livecut import batch

            batch._FRAMES_QUEUE = frames
        return item_fn(*args)

    item.__name__ = getattr(item_fn, "__name__", "item")
    return item


class _Ray(_Backend):
    """Items as Ray tasks (``num_cpus`` = the OpenCV threads each uses); Ray retries a task whose
    worker died; only the driver writes the manifest (each item's "started" line, all before they are
    submitted, and its result once)."""

    def __init__(self, address: str, jobs: int, item_fn: Callable = run_item):
        try:
            import ray
        except ImportError:
            ray = None
        # (without Ray, a folder named ray where `python -m livecut` runs -- /tmp/ray, which Ray
        # leaves where it ran -- is imported as an empty namespace package: it was 'internal error:
        # AttributeError: module 'ray' has no attribute 'is_initialized'')
        if not callable(getattr(ray, "init", None)):
            raise UsageError("--ray needs Ray (the ray extra): pip install -e '.[ray]' in the livecut "
                             "checkout, or pip install ray")
        super().__init__()
        self.ray = ray
        self.started = False
        self.signalled = 0  #: the first of SIGINT, SIGTERM, SIGHUP that came (see _note_signals)
        self.handlers: dict = {}  #: signal -> the handler close() puts back
        before = _python_handlers()
        try:
            self._connect(address, jobs)
        finally:
            self._note_signals(before)
        # (the frames of a video in flight and the windows of a panorama, which the local pool's
        # workers send through its queue, went unsent: a batch of one long item showed 'ETA -:--:--'
        # to its end; sent through a queue of Ray's, an actor, from every node)
        self.frames = _ray_queue(ray)
        self.remote = ray.remote(num_cpus=1, max_retries=MAX_ATTEMPTS)(_reporting(item_fn, self.frames))

    def _connect(self, address: str, jobs: int) -> None:
        ray = self.ray
        # (Ray's own warnings at its start, "Token authentication is enabled for this Ray cluster"
        # each time it starts a local cluster or joins one where a token exists, broke into the
        # progress line, -q or not: only its errors are said)
        kw = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        if not ray.is_initialized():
            if address == "auto":
                try:
                    ray.init(address="auto", **kw)
                except (ConnectionError, RuntimeError, ValueError):
                    ray.init(num_cpus=jobs, **kw)  # no cluster running: a local one, for this run
                    self.started = True
            else:
                _check_reachable(address)
                try:
                    ray.init(address=address, **kw)
                except (ConnectionError, RuntimeError, ValueError) as exc:
                    if _refused_token(exc):
                        # (Ray sends its token to a cluster named by address only with
                        # RAY_AUTH_MODE=token; said "Failed to connect to Ray cluster at ...", no why)
                        raise UsageError(
                            f"--ray {address}: the Ray cluster there wants its authentication token "
                            "(`ray start --head` turns token authentication on where one exists); set "
                            "RAY_AUTH_MODE=token, with the head's token in ~/.ray/auth_token or "
                            "RAY_AUTH_TOKEN") from None
                    raise UsageError(f"--ray {address}: cannot connect to the Ray cluster: {exc}") from None

    def _note_signals(self, handlers: dict) -> None:
        """Put back ``handlers``, taken before ray.init (the CLI's, which stop the batch as Ctrl-C
        does: Ray puts its own on SIGTERM, sys.exit(15), and the batch ended with exit 15 and no
        line, nothing recorded of the items stopped), each noting its signal first: Ray's waits
        raise a KeyboardInterrupt of their own in place of the handler's Terminated (SIGHUP said
        'interrupted', exit 130), which :meth:`run` turns back into it.  :meth:`close` puts the
        handlers back without the note."""
        import signal

        for sig, handler in handlers.items():
            def noted(signum, frame, handler=handler):
                self.signalled = self.signalled or signum
                return handler(signum, frame)

            self.handlers[sig] = handler
            signal.signal(sig, noted)

    def run(self, items: list[Item], settings: Settings, outdir: Path, on_result: Callable,
            on_frames: Callable | None = None, on_start: Callable | None = None) -> None:
        from livecut.runner import Terminated

        try:
            self._run(items, settings, outdir, on_result, on_start, on_frames)
        except KeyboardInterrupt as exc:
            if self.signalled and not isinstance(exc, Terminated):
                raise Terminated(self.signalled) from None
            raise

    def _run(self, items: list[Item], settings: Settings, outdir: Path, on_result: Callable,
             on_start: Callable | None, on_frames: Callable | None = None) -> None:
        ray = self.ray
        shared = ray.put(settings)
        # (an absolute OUTDIR: a task wrote a relative one under its Ray worker's folder -- where
        # `ray start` ran, on every node -- not the command's, and the batch said it done)
        outdir = Path(os.path.abspath(outdir))
        if on_start is not None:  # (all at once: Ray schedules them itself)
            on_start(list(items))
        for it in items:
            self.unhandled[self.remote.remote(str(it.src), _dst(outdir, it), it.kind, it.force, shared)] = it
        waiting = list(self.unhandled)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1, timeout=0.5)
            self._drain(on_frames)
            for ref in done:
                it = self.unhandled[ref]
                try:
                    result = ray.get(ref)
                except Exception as exc:  # the task failed on every try (worker lost each time)
                    result = {"status": "failed", "exit_code": 1, "frames": 0, "seconds": 0.0,
                              "written": False, "notes": [],
                              "error": f"{it.src}: Ray task failed: {type(exc).__name__}"}
                # what the tries whose worker was lost left (their temporary files; the one that
                # ended renamed its own): a try retried and done left it beside the output for good
                _remove_temps(outdir / it.rel, self.left)
                on_result(it, result)
                self.unhandled.pop(ref, None)

    def _drain(self, on_frames: Callable | None) -> None:
        """What the tasks sent through :attr:`frames` (``(src, frames)``, ``(src, share of windows)``)
        to ``on_frames``."""
        if self.frames is None:
            return
        try:
            msgs = self.frames.get_nowait_batch(self.frames.qsize())
        except Exception:  # (the actor gone: no more progress, the batch goes on)
            return
        for msg in msgs:
            if on_frames is not None and len(msg) == 2:
                on_frames(*msg)

    def _results_back(self, handles: list) -> dict:
        ray = self.ray
        try:  # (one look at them all, not one per ref: a batch hands out every item at once)
            ready, _ = ray.wait(handles, num_returns=len(handles), timeout=0)
        except Exception:
            return {}
        back = {}
        for ref in ready:
            try:
                back[ref] = ray.get(ref, timeout=0)
            except Exception:  # (failed on every try: done again by the next run)
                pass
        return back

    def stop(self) -> None:
        for ref in list(self.unhandled):
            try:
                self.ray.cancel(ref, force=True)
            except Exception:
                pass
        self.unhandled = {}

    def close(self) -> None:
        import signal

        handlers, self.handlers = self.handlers, {}
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if self.started:
            self.started = False
            self.ray.shutdown()


# ------------------------------------------------------------------ driver

class _BatchBar:
    """One rich line: the share of the estimated work done, items done / failed / left, frames
    per second overall (frames in flight included, where the backend reports them) -- photos a
    second for a batch of photos only, no rate for one of photos and videos, as the summary says
    them (:meth:`BatchReport.summary`) -- and an ETA from the work left.  Silent unless ``stream``
    (stderr) is a terminal."""

    def __init__(self, items: list[Item], total_items: int, enabled: bool, stream=None):
        import sys

        self.items = {str(it.src): it for it in items}
        # (a batch of photos drew '3.7 fps' above its summary's '3.7 photo/s'; a mixed one's frames
        # summed its photos and its videos' frames into one rate, which the summary does not give)
        kinds = {it.kind for it in items}
        self.unit = "photo" if kinds == {"image"} else None if "image" in kinds else "frame"
        self.total_items = total_items
        self.total_work = sum(it.work for it in items) or 1.0
        self.done = self.failed = self.frames_done = 0
        self.work_done = 0.0
        self.live: dict[str, int] = {}
        self.start = clock()
        stream = stream or sys.stderr
        self._bar = None
        from livecut.progress import dumb_terminal, rich_environ

        if enabled and getattr(stream, "isatty", lambda: False)() and not dumb_terminal():
            from rich.console import Console

            from livecut.progress import laid_out

            console = Console(file=stream, highlight=False, _environ=rich_environ())
            self._bar = laid_out(self._columns, console=console, transient=False, refresh_per_second=4,
                                 redirect_stdout=False, redirect_stderr=False)
            self._task = self._bar.add_task("batch", total=self.total_work, counts="", fps="", eta="-")
            self._show()
            self._bar.start()
        else:  # (`livecut batch shoot -o cut 2>log` stopped a minute: '600 frames in 68.5 s (8.8 fps)')
            count_stops(self, True)

    def _columns(self, width: int) -> list:
        """The line's columns on a terminal ``width`` columns wide."""
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

        from livecut.progress import FINISHED, WIDE

        # (a narrow terminal: no bar, no rate; rich cut the counts and the ETA first)
        columns = [TextColumn("[bold]batch"), *([BarColumn(bar_width=None, finished_style=FINISHED)] if width >= WIDE else [])]
        columns += [TextColumn("{task.fields[counts]}")]
        columns += ([TextColumn("{task.fields[fps]}"), TimeElapsedColumn()] if width >= WIDE else [])
        columns += [TextColumn("ETA {task.fields[eta]}")]
        # (fewer columns than the label, the counts and the ETA take: rich cut the counts and
        # the ETA, 'bat... 12 done, 1 failed, 47 l... ETA -:--:...'; the label goes, then the ETA)
        counts = 3 * len(str(self.total_items)) + 21  # 'N done, N failed, N left'
        if width < WIDE and width < 6 + counts + 12:
            columns = columns[1:] if width >= counts + 12 else columns[1:-1]
        return columns

    def frames(self, src: str, n: int) -> None:
        self.live[src] = n
        self._show()

    def finished(self, item: Item | None, ok: bool, frames: int) -> None:
        self.frames_done += frames  # (a video that ended early: the frames it wrote, as the summary counts them)
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if item is not None and str(item.src) in self.items:
            self.live.pop(str(item.src), None)
            self.work_done += item.work
        self._show()

    def _show(self) -> None:
        if self._bar is None:
            return
        live_work = sum(min(1.0, n / self.items[s].frames) * self.items[s].work
                        for s, n in self.live.items() if s in self.items and self.items[s].frames)
        work = min(self.total_work, self.work_done + live_work)
        # (a photo's share of its panorama's windows judged counts in the work, not in the frames)
        frames = self.frames_done + sum(int(n) for n in self.live.values())
        elapsed = clock() - self.start
        eta = "-:--:--"
        if work > 0 and elapsed > 1:
            left = int(elapsed * (self.total_work - work) / work)
            eta = f"{left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"
        left_items = self.total_items - self.done - self.failed
        self._bar.update(self._task, completed=work, eta=eta,
                         counts=f"{self.done} done, {self.failed} failed, {left_items} left",
                         fps=self._rate(frames, elapsed))

    def _rate(self, frames: int, elapsed: float) -> str:
        """The rate drawn: of photos, of frames, or none (see the class's words)."""
        if self.unit == "photo":
            return rate_text(frames, elapsed, "photo/s", "photo")
        return fps_text(frames, elapsed) if self.unit else ""

    def close(self) -> None:
        count_stops(self, False)
        bar, self._bar = self._bar, None
        if bar is not None:
            bar.refresh()
            bar.stop()


def absolute_background(text: str | None) -> str | None:
    """``image:PATH`` / ``video:PATH`` with a relative PATH as an absolute one (as the current
    folder gives it); any other background as it is."""
    from livecut.composite import background_file

    found = background_file(text) if text else None
    if not found or not found[1] or "://" in found[1]:
        return text
    kind, value = found  # (-b 'image: bg.png' is bg.png: it became 'image:/CWD/ bg.png', not found)
    path = Path(os.path.expanduser(value))
    return f"{kind}:{path if path.is_absolute() else os.path.abspath(path)}"


#: held (locked) in OUTDIR while a batch plans and writes there
LOCK = ".livecut-batch.lock"


class _OutdirLock:
    """``OUTDIR/.livecut-batch.lock``, locked while a batch plans and writes there: a second
    batch into the same folder is refused at once (two at once did every item twice, and each
    recorded the other's outputs as its own failures, "exists", which the manifest then kept).
    Removed when released.  A folder where it cannot be made (read-only) is not locked: nothing
    can be written there either."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.path = outdir / LOCK
        self.fd: int | None = None
        self.tried = False

    def acquire(self) -> None:
        """Raises :class:`UsageError` when another batch holds it."""
        self.tried = True
        while self.fd is None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                return
            try:
                _lock_fd(fd)
            except OSError:
                try:
                    holder = os.read(fd, 32).decode("ascii", "replace").strip()
                finally:
                    os.close(fd)
                who = f" (process {holder})" if holder.isdigit() else ""
                raise UsageError(f"{self.outdir}: another livecut batch{who} is writing there; wait for it "
                                 "to end, or give another -o") from None
            try:  # (the file its last holder removed meanwhile is no lock: again, on the new one)
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except OSError:
                same = False
            if not same:
                os.close(fd)
                continue
            self.fd = fd
            unfinished(self.path)  # (removed by a SIGQUIT too: see livecut.atomic.removed_when_killed)
            try:
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode("ascii"))
            except OSError:
                pass

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is None:
            return
        if os.name != "nt":  # (removed while held: a batch waiting on it tries the next file)
            discard(self.path)
        os.close(fd)
        if os.name == "nt":
            discard(self.path)


def _lock_fd(fd: int) -> None:
    """An exclusive lock on ``fd``, at once, or OSError."""
    if os.name == "nt":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def batch_mode(mode, said: str = "mode") -> str | None:
    """``mode`` (None: the configuration's) as the word of :data:`VIDEO_MODES` it names in any
    case (``mode="Cutout"`` was refused, where ``composite.mode = "Cutout"`` is taken), or a
    :class:`UsageError` naming it as ``said``: the library's argument, ``mode``, or the command
    line's ``--mode``."""
    if mode is None:
        return None
    mode = next((m for m in VIDEO_MODES if isinstance(mode, str) and m.casefold() == mode.casefold()), mode)
    if mode not in VIDEO_MODES:
        from livecut.config import _did_you_mean

        raise UsageError(f"{said} {mode!r}: expected one of {', '.join(VIDEO_MODES)}"
                         f"{_did_you_mean(str(mode), VIDEO_MODES)}")
    return mode


def run_batch(inputs: Iterable[str], outdir: Path | str, cfg: Config, *, mode: str | None = None,
              background: str | None = None, jobs: int | None = None, list_file: str | Sequence[str] | None = None,
              video_ext: str = ".mp4", use_hash: bool = False, retry_failed: bool = False,
              force: bool = False, ray: str | None = None, progress: bool = False,
              item_fn: Callable = run_item, early: Callable[[BatchReport], None] | None = None,
              failed: Callable[[BatchReport], None] | None = None,
              typed: Callable[[str], None] | None = None,
              noted: Callable[[BatchReport], None] | None = None, _said: str = "mode") -> BatchReport:
    """Plan, run every item to do on ``jobs`` local processes (or on Ray), record each in the
    manifest.  Raises :class:`livecut.runner.Interrupted` on Ctrl-C, after recording what finished,
    and :class:`UsageError` when another batch writes to ``outdir`` (:class:`_OutdirLock`).
    ``early``: called once, before the first item is handed to a worker, with the report as it is
    then (the inputs not found, refused or failed before: its ``errors``, ``warnings`` and
    ``notes`` so far), for a command line to say them at once, not after the whole batch; they
    stay in the report.
    ``failed``: called after each item that failed as it was done (its error the last of the
    report's ``errors``), with the report as it is then, for a command line to say it at once;
    it stays in the report.
    ``noted``: called after each item done, or failed having added ``warnings`` or ``notes`` to
    the report (what its output leaves out ...), after ``failed``, with the report as it is then,
    for a command line to say them at once (and what it says of the outputs with the first
    done); they stay in the report.
    ``typed``: called with a list's name (``-``) just before that list is read from a terminal, the
    options checked, for a command line to say what it waits for."""
    lock = _OutdirLock(Path(outdir))
    try:
        return _run_batch(lock, inputs, outdir, cfg, mode=mode, background=background, jobs=jobs,
                          list_file=list_file, video_ext=video_ext, use_hash=use_hash,
                          retry_failed=retry_failed, force=force, ray=ray, progress=progress, item_fn=item_fn,
                          early=early, failed=failed, typed=typed, noted=noted, said=_said)
    finally:
        lock.release()


def _run_batch(lock: _OutdirLock, inputs: Iterable[str], outdir: Path | str, cfg: Config, *, mode: str | None,
               background: str | None, jobs: int | None, list_file: str | Sequence[str] | None, video_ext: str,
               use_hash: bool, retry_failed: bool, force: bool, ray: str | None, progress: bool,
               item_fn: Callable, early: Callable[[BatchReport], None] | None = None,
               failed: Callable[[BatchReport], None] | None = None,
               typed: Callable[[str], None] | None = None,
               noted: Callable[[BatchReport], None] | None = None, said: str = "mode") -> BatchReport:
    from livecut.runner import Interrupted

    if str(outdir) == "-":
        raise UsageError("-o -: livecut batch writes a tree of files, not standard output; give a folder")
    if name_too_long(outdir):
        # (bad input, as livecut file and image say it: it was "internal error: OSError: [Errno 36]
        # File name too long" from the first look-up, or "cannot create output folder", exit 1)
        raise UsageError(f"{Path(outdir)}: file name too long")
    text = str(outdir)
    suffix = Path(text).suffix.lower()
    alone = Path(text).name.lower()
    if (not suffix and alone in IMAGE_EXTS + NAMED_IMAGE_EXTS + VIDEO_EXTS and not text.endswith(("/", os.sep))
            and not os.path.isdir(text)):
        # (-o "$NAME.mp4" with NAME empty: -o .mp4 made a hidden folder .mp4/, exit 0, without a word)
        raise UsageError(f"-o {text}: {Path(text).name} with nothing before it (an empty variable?): livecut batch "
                         "writes a folder (its outputs mirror the inputs' tree); give one (-o cut/; end -o with / "
                         "for a folder of this name)")
    if (suffix in IMAGE_EXTS + NAMED_IMAGE_EXTS + VIDEO_EXTS and not text.endswith(("/", os.sep))
            and not os.path.isdir(text)):
        # (-o cut.png, as `livecut image` takes it, made a folder cut.png/ holding the cutouts
        # and the manifest, without a word)
        from livecut.images import UNWRITTEN_EXTS
        from livecut.sinks.file import VIDEO_EXTS as WRITTEN_VIDEO_EXTS

        # (a type the command does not write, -o cut.gif, -o cut.ts: that command refused it in
        # turn; the advice names one it writes in its place)
        video = suffix in VIDEO_EXTS
        written = suffix in WRITTEN_VIDEO_EXTS if video else suffix not in UNWRITTEN_EXTS + NAMED_IMAGE_EXTS
        name = text if written else str(Path(text).with_suffix(".mp4" if video else ".png"))
        one = ("`livecut file VIDEO -o " if video else "`livecut image PHOTO -o ") + f"{name}`"
        raise UsageError(f"-o {text}: livecut batch writes a folder (its outputs mirror the inputs' tree), not a "
                         f"{suffix} file; give a folder (-o cut/; end -o with / for a folder of this name), or "
                         f"for one file use {one}")
    # (``said``: the argument's name, mode, or the command line's --mode, as the command tells it;
    # the library's mode='nope' was said "--mode 'nope'")
    mode = batch_mode(mode, said)
    if ray is not None and not ray.strip():
        # (--ray "$HEAD" with HEAD unset ran the whole batch on this machine alone, without a word)
        raise UsageError("--ray '': give auto (the cluster running here, or a local one) or the cluster's "
                         "address, HOST:PORT")
    cores = usable_cpus()
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    # the background once, before any item: a bad -b is one error, not one per item
    from livecut.composite import Compositor, background_ignored

    video_comp = Compositor(cfg, background=background, mode=mode)  # (a picture is read here)
    outdir = Path(outdir)
    try:  # (a loop of links there: Path.resolve's bare RuntimeError, 'internal error', exit 1)
        os.stat(outdir)
    except OSError as exc:
        raise_if_link_loop(outdir, exc)
    key = settings_key(cfg, mode, background, use_hash)
    if outdir.is_dir():  # (before planning: the manifest read is the one this batch adds to)
        lock.acquire()
    the_plan = plan(inputs, outdir, list_file=list_file, video_ext=video_ext, use_hash=use_hash,
                    retry_failed=retry_failed, force=force, settings=key, typed=typed)
    from livecut.sinks.file import keeps_alpha

    ext = video_ext if video_ext.startswith(("/", ".")) else "." + video_ext
    if (video_comp.channels == 4 and ext != "/" and not keeps_alpha(ext, cfg.video)
            and any(it.kind == "video" for it in the_plan.todo)):
        # (said as it was asked for: --set composite.mode=cutout, or a -c file's, was "--mode cutout")
        why = f"{said} {mode}" if mode is not None else f"composite.mode = {video_comp.mode} (the configuration)"
        if video_comp.mode == "composite":  # (over a transparent background: that one said)
            given = (f"-b {background}" if background is not None
                     else f"composite.background = {cfg.composite.background} (the configuration)")
            why = f"{said} composite, {given}" if mode is not None else given
        raise UsageError(f"videos with transparency ({why}) cannot be "
                         f"{ext} files{f' of {cfg.video.codec}' if ext.lower() == '.mkv' else ''}: give --video-ext "
                         ".mov (ProRes 4444), .webm (VP9), .mkv with video.codec libvpx-vp9 or ffv1, or / (PNG frames)")
    if any(it.kind == "video" for it in the_plan.todo):
        # (a video.codec or video.preset the videos' type refuses: it was one failure a video,
        # each after the photos before it were cut)
        from livecut.sinks.file import check_codec

        check_codec(ext.lower(), video_comp.channels, cfg.video)
    # (a picture background named by a relative path is handed on absolute: a worker reads it
    # where this process found it, whatever folder it runs in -- a Ray node's, a forkserver's;
    # ``background`` is the configuration's for the photos too, as `livecut batch -b` makes it:
    # given here alone, the photos were composited over the configuration's, blur by default)
    wcfg = replace(cfg, composite=replace(
        cfg.composite, background=absolute_background(background or cfg.composite.background)))
    photos = sum(1 for it in the_plan.todo if it.kind == "image")
    if photos and video_comp.background.kind == "video":
        from livecut.images import photo_mode

        # (each photo failed on its own, one error line each: "video backgrounds are for video";
        # what run_item makes of a photo, from the workers' configuration)
        photo = photo_mode(mode, photo_background(background), wcfg)
        if photo in ("composite", "side-by-side"):
            # (the configuration's mode, --set composite.mode=side-by-side, was said to be --mode's,
            # and to leave --mode unset, which it was)
            asked, unset = ((f"{said} {photo}", f"leave {said} unset (the photos become cutouts), ") if mode is not None
                            else (f"composite.mode = {photo} (the configuration)", ""))
            raise UsageError(f"{asked} over a video background (video:{video_comp.background.path}): the "
                             f"{photos} photo{'s' if photos > 1 else ''} among the inputs cannot be composited "
                             f"over a video; {unset}give -b image:PATH, or give the videos alone")
    report = BatchReport(skipped_done=the_plan.skipped_done, skipped_failed=the_plan.skipped_failed,
                         skipped_existing=the_plan.skipped_existing,
                         exit_codes=list(the_plan.skipped_codes), warnings=list(the_plan.warnings),
                         notes=list(the_plan.notes),
                         todo=len(the_plan.todo), videos=len(the_plan.todo) - photos)
    # (the videos take the configuration's mode, as `livecut file` does, which says -b is ignored;
    # the batch said nothing, its photos composited over -b as `livecut image` does)
    ignored = background_ignored(None, background, cfg.composite.mode, of=" of the videos",
                                 there=" there (the photos are composited over it, as `livecut image` does)")
    if mode is None and ignored and photos < len(the_plan.todo):
        report.warnings.append(ignored)
    if photos < len(the_plan.todo) and (webm := _webm_note(ext, cfg.video)):  # (once: see run_item)
        report.warnings.append(webm)
    if jobs is None:  # (local workers: as many as the cores and the memory allow; Ray schedules by its own)
        jobs, report.jobs_note = (cores, None) if ray else default_jobs(cores, the_plan.todo, available_memory())
    elif not ray:  # (kept as given; said where they cannot all have the memory they need: -j 64 on 3 GB)
        need, what = worker_need(the_plan.todo)
        available, running = available_memory(), min(jobs, len(the_plan.todo))
        if running > 1 and available is not None and need and running * need > available:  # (one: the least)
            report.warnings.append(f"--jobs {jobs}: {running} workers need about {_gb(need)} each for {what}, "
                                   f"and {_gb(available)} is available: they may run out of memory "
                                   f"(about {max(1, int(available // need))} fit)")
    total = len(the_plan.todo) + sum(1 for it, _ in the_plan.refused if it is not None)
    if not total and not the_plan.refused:
        return report
    # (made here or by the items; those still empty at the end are removed: Ctrl-C left the
    # mirrored folders of the items it stopped behind, empty)
    new_folders = _missing_folders(outdir, the_plan.todo)
    try:
        if total:  # (inputs that are all missing or unreadable leave no empty output folder behind)
            outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way: the command's mistake (2); a read-only disk: 1
        raise_if_in_the_way(outdir, exc)
        raise WriteError(f"{outdir}: cannot create output folder: {io_reason(exc)}") from None
    manifest = outdir / MANIFEST
    manifest_there = os.path.lexists(manifest)
    held: list[int] = []  # (OUTDIR, held open as the batch writes there: its manifest's folder)

    def outdir_moved() -> bool:
        return bool(held) and identity(outdir) != identity(held[0])

    def check_outdir() -> None:
        # ('mv out out2' mid-run: a worker made out/ again for its output, the manifest went on
        # in a new out/, and the batch said all done, exit 0, its outputs and manifest split
        # between the two folders; the manifest now follows the folder held)
        if outdir_moved():
            n = sum(1 for it in the_plan.todo if id(it) not in counted)
            done = f"{report.done} item{'s' * (report.done != 1)} done"
            try:  # (removed, `rm -r OUTDIR`: the folder held is linked nowhere; it was said moved, to go on there)
                removed = os.fstat(held[0]).st_nlink == 0
            except OSError:
                removed = False
            if removed:
                raise WriteError(f"{outdir}: the output folder was removed during the run, after {done} (their "
                                 f"outputs and its manifest gone with it): the batch stopped, {n} not processed "
                                 "(run it again to do them all)")
            raise WriteError(f"{outdir}: the output folder was moved or removed during the run, after {done} "
                             f"(recorded in its manifest, which went with it): the batch stopped, {n} not "
                             "processed (give -o where it is now to go on)")

    def remove_made() -> None:
        # (a batch whose first manifest line could not be written, the disk full, left OUTDIR,
        # made by it, holding an empty manifest: what it made is removed where nothing was done)
        lock.release()
        while held:
            os.close(held.pop())
        with contextlib.suppress(OSError):
            if not manifest_there and manifest.stat().st_size == 0:
                discard(manifest)
        _remove_empty(new_folders)

    if total and not lock.tried:  # (a folder made by this batch, or by another one meanwhile)
        lock.acquire()
        if manifest.exists():
            raise UsageError(f"{outdir}: another livecut batch wrote there while this one planned; run "
                             "the command again")
    start = clock()  # (the time stopped by Ctrl-Z left out, see progress.clock)
    # (every refusal is a failed item there, as in the summary, a name not found too: the bar
    # counted it failed, not among the items, and ended on '1 done, 1 failed, -1 left')
    bar = _BatchBar(the_plan.todo, len(the_plan.todo) + len(the_plan.refused), enabled=progress and total > 0)

    recorded: set[int] = set()  # (the items with a result line from this run)
    counted: set[int] = set()  # (... counted done or failed)
    stopping: list[bool] = []  # (the batch is stopping: a disk stop is not raised again)
    from livecut.images import Repeats

    repeats = Repeats()  # (the photos' warnings said alike of each: of the first, then at the end)

    def said_once() -> None:  # (the photos after the first of each, as the batch ends, stopped or not)
        report.warnings.extend(repeats.summary(lambda src: the_plan.shown.get(src, src)))

    def as_given(item: Item | None, line: str) -> str:
        # (the input as the user gave it, `livecut batch photos/ -o cut/`: 'photos/b.jpg: image file is
        # truncated', as `livecut image` says it; it was '/home/me/.../photos/b.jpg: ...'; the
        # manifest keeps the absolute path, its key, in its `input` and `error`)
        src = str(item.src) if item is not None else line.split(": ", 1)[0]
        given = the_plan.shown.get(src)
        if given is None or not line.startswith(src) or line[len(src):len(src) + 1] not in (":", " "):
            return line
        return given + line[len(src):]

    def record(item: Item | None, result: dict, count: bool = True) -> None:
        # Ctrl-C (SIGTERM, SIGHUP) is held until the result is counted, its line written and the
        # item noted as recorded: one that came in between (while the line was fsync'ed, most
        # often) left an item recorded "ok" but not noted, and the stop below then recorded it
        # "interrupted" after its "ok": its whole output was done again by the next run, which
        # counted one "already done" fewer than the stop had said done
        if item is not None and outdir_moved():
            try:  # (an item whose output is not in the folder moved -- a worker made OUTDIR again for
                os.stat(item.rel.rstrip("/"), dir_fd=held[0], follow_symlinks=False)  # it -- is not
            except OSError:                                                           # recorded there)
                if result.get("written") and os.path.isfile(outdir / item.rel):  # (nor left in a new OUTDIR,
                    discard(outdir / item.rel)                                    # alone: taken back)
                check_outdir()
        with _signals_held():
            ok = result["status"] == "ok"
            if count:
                # (a video that ended early, its frames written kept, counts them too: a batch with one
                # cut short half-way said '10 frames in 15.6 s (0.6 fps)', its 469 frames left out)
                report.frames += int(result.get("frames") or 0)
                if item is not None and item.kind == "image":
                    report.photos += int(result.get("frames") or 0)
                if ok:
                    report.done += 1
                    if result.get("partial") and item is not None:  # (the input, as under its folder)
                        report.partial.append(Path(item.rel.rstrip("/")).with_name(item.src.name).as_posix())
                else:
                    report.failed += 1
                    report.errors.append(as_given(item, result["error"]))
                    if result.get("traceback"):
                        report.tracebacks.append(result["traceback"])
                    report.exit_codes.append(int(result.get("exit_code") or 1))
                report.warnings.extend(as_given(item, w) for w in result.get("warnings") or [])
                for kind, src, warning, summary in result.get("once") or []:
                    line = repeats.say(kind, src, warning, summary)
                    if line:
                        report.warnings.append(as_given(item, line))
                report.notes.extend(as_given(item, n) for n in result.get("notes") or [])
            if item is not None:
                rec = item_record(item)
                rec.update(frames=int(result.get("frames") or 0), seconds=result.get("seconds", 0.0),
                           status=result["status"], error=result.get("error"),
                           exit_code=0 if ok else int(result.get("exit_code") or 1),
                           # (a failure that left an earlier output of this batch in place: still ours)
                           written=bool(result.get("written"))
                           or (item.owned and os.path.lexists(outdir / item.rel)),
                           finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
                append_record(manifest, rec, held[0] if held else None)
                recorded.add(id(item))
                if count:
                    counted.add(id(item))
            if count:
                bar.finished(item, ok, int(result.get("frames") or 0))
        if failed is not None and count and not ok:
            # (a corrupt photo among 500 was said once the whole batch was done, minutes later)
            failed(report)
        if noted is not None and count and (ok or result.get("warnings") or result.get("notes")
                                            or result.get("once")):
            # (the note of an all-sharp photo among 500 was said once the whole batch was done; a
            # background's warning, of the outputs, with the first done)
            noted(report)
        if item is not None:
            check_outdir()
        if result.get("stop") and count and not stopping:
            # a full or read-only disk: the next items would fail alike, each cut for nothing (a
            # library of thousands of photos was cut to the end, one error line each), as
            # `livecut image` stops there
            stopping.append(True)
            raise _WriteStop(result["stop"], result.get("stop_at"), result.get("stop_in"))

    def item_record(item: Item) -> dict:
        rec = {"input": str(item.src), "output": item.rel, "kind": item.kind, "size": item.size,
               "mtime_ns": item.mtime_ns}
        if item.digest is not None:
            rec["hash"] = item.digest
        rec["settings"] = key
        return rec

    def started(items: list[Item]) -> None:
        """A ``started`` line for each of ``items``, fsync'ed before they are handed out."""
        check_outdir()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        recs = []
        for it in items:
            rec = item_record(it)
            rec.update(status=STARTED, error=None, existed=it.existed,
                       written=it.owned and os.path.lexists(outdir / it.rel), started=now)
            recs.append(rec)
        append_records(manifest, recs, held[0] if held else None)

    if total and os.open in os.supports_dir_fd:
        with contextlib.suppress(OSError):
            held.append(os.open(outdir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)))
    try:
        for item, error in the_plan.refused:
            record(item, {"status": "failed", "error": error, "exit_code": 2, "frames": 0, "seconds": 0.0})
        if early is not None:  # (a name mistyped among 500 photos was said once all were done, minutes later)
            early(report)
    except BaseException:
        bar.close()  # (its Ctrl-Z watcher and SIGTSTP handler were left behind the run, see progress.count_stops)
        remove_made()
        raise
    # (the cores go to the workers that run: 2 items with 8 jobs on 8 cores were given 1 thread
    # each, 8 // 8, and 6 cores stayed idle)
    workers = max(1, min(jobs, len(the_plan.todo)))
    settings = Settings(cfg=wcfg, mode=mode, background=absolute_background(background),
                        threads=1 if ray else max(1, cores // workers))
    # what a crash (kill -9, a power cut) left of the items done again: their workers' temporary
    # files, at once, not only after STALE_SECONDS -- the next run, started at once, did the
    # item and then skipped it for good, the temporary file staying beside the output forever
    # (this batch holds OUTDIR's lock; a process of this machine that is gone writes nothing)
    stuck: list = []  # (what could not be removed: an append-only folder's, see _note_left)
    for it in the_plan.todo:
        final = outdir / it.rel.rstrip("/")
        for tmp in sweep_stale(final, min_age=0.0):
            _note_left(tmp, final, stuck)
    backend = None
    try:
        if the_plan.todo:
            backend = _Ray(ray, jobs, item_fn) if ray else _Local(workers, settings.threads, item_fn)
            backend.run(the_plan.todo, settings, outdir, record, on_frames=bar.frames, on_start=started)
    except BaseException as exc:  # Ctrl-C, a full disk, or an error (a manifest that cannot be written)
        stopping.append(True)
        # (a signal raised in Python code that C code called comes as a SystemError over it)
        signal_exc = interrupt_under(exc)
        stop = signal_exc is not None or isinstance(exc, _WriteStop)
        # finished before the stop, its result back but not yet recorded (Ctrl-C in the wait
        # that returned it, or while another was recorded): done, as it is -- it was recorded
        # "interrupted", and the next run did it again and counted it as not done (taken
        # before the stop: a Ray backend's are gone after it)
        left = backend.results_left() if backend is not None and stop else []
        if backend is not None:
            backend.stop()  # the items still queued are not run
            if isinstance(backend, _Ray):
                backend.close()  # a Ray instance started for this run: its workers are gone after this
        for it in the_plan.todo:  # finished items left no temp files; the killed ones' go
            _remove_temps(outdir / it.rel, stuck)
        stuck[:0] = backend.left if backend is not None else []
        if not stop:
            raise
        for it, result in left:
            if id(it) not in recorded:
                record(it, result)
        for it in the_plan.todo:
            # stopped after its output was renamed into place (nothing was there when planned),
            # before its result came back: recorded as this batch's, to be done again by the next
            # run, not refused then as an output the batch did not write
            if id(it) not in recorded and not it.force and os.path.lexists(outdir / it.rel):
                record(it, {"status": INTERRUPTED, "exit_code": 130, "written": True,
                            "error": f"{it.src}: stopped before its result was recorded"}, count=False)
        report.seconds = clock() - start
        bar.close()
        said_once()
        if isinstance(exc, _WriteStop):
            _say_left(report, stuck)
            n = sum(1 for it in the_plan.todo if id(it) not in counted)
            if n:
                where = exc.at or _stop_folder(exc.folder, outdir)
                report.errors.append(f"{where}: {exc.reason}: {n} more item{'s' * (n > 1)} not processed "
                                     "(run the same command again with --retry-failed once it can take them)")
            return report
        stopped = Interrupted(f"{stop_text(signal_exc)}: {report.summary()}; run the same command again to finish",
                              exit_code=getattr(signal_exc, "exit_code", 130))
        # (the command line says them before the line: the temporary files it could not remove, and
        # what the items done before the stop leave out -- those went unsaid, a run that ended said them)
        _say_left(report, stuck)
        stopped.warnings = list(report.warnings)
        stopped.notes = list(report.notes)  # (of the items done: those the command line has not said yet)
        # (and the failures before it: 'interrupted: 9 done, 1 failed' named none of them)
        stopped.errors = list(report.errors)
        raise stopped from None
    finally:
        bar.close()
        if isinstance(backend, _Ray):
            backend.close()
        remove_made()
    said_once()
    _say_left(report, (backend.left if backend is not None else []) + stuck)
    report.seconds = clock() - start
    return report


__all__ = ["BatchReport", "Item", "MANIFEST", "Plan", "STARTED", "Settings", "append_record", "append_records",
           "expand", "photo_background", "plan", "read_manifest", "run_batch", "run_item"]
