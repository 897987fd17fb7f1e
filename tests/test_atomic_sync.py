"""Outputs flushed to the disk before their rename into place (livecut.atomic.commit and
commit_dir): after a power cut the final name holds the whole new output or the earlier one,
and a batch's manifest never records an output the disk does not hold."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest

from livecut import atomic
from livecut.errors import WriteError


class _Journal:
    """Records, in order, the files and folders fsync'ed (by inode) and the renames and links."""

    def __init__(self, monkeypatch, fail: int | None = None, fail_folders: bool = False):
        self.events: list[tuple] = []
        real_fsync, real_link, real_replace, real_rename = os.fsync, os.link, os.replace, os.rename

        def fsync(fd):
            st = os.fstat(fd)
            folder = stat.S_ISDIR(st.st_mode)
            self.events.append(("fsync", st.st_ino, folder))
            if fail is not None and (folder == fail_folders):
                raise OSError(fail, os.strerror(fail))
            return real_fsync(fd)

        def link(src, dst, *a, **k):
            self.events.append(("link", os.stat(src).st_ino, str(dst)))
            return real_link(src, dst, *a, **k)

        def replace(src, dst, *a, **k):
            self.events.append(("replace", os.stat(src).st_ino, str(dst)))
            return real_replace(src, dst, *a, **k)

        def rename(src, dst, *a, **k):
            self.events.append(("rename", os.stat(src).st_ino, str(dst)))
            return real_rename(src, dst, *a, **k)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "link", link)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "rename", rename)

    def index(self, kind: str, ino: int) -> int:
        return next(i for i, e in enumerate(self.events) if e[0] == kind and e[1] == ino)

    def moves(self) -> list[int]:
        return [i for i, e in enumerate(self.events) if e[0] in ("link", "replace", "rename")]


def _tmp_file(folder: Path, final: Path, data: bytes) -> Path:
    tmp = atomic.temp_path(final)
    tmp.write_bytes(data)
    return tmp


def _to_commit(folder: Path, earlier: bool) -> tuple[Path, Path]:
    """(temporary file holding b"new output", its final name out.png, holding b"earlier" if
    ``earlier``)."""
    final = folder / "out.png"
    if earlier:
        final.write_bytes(b"earlier")
    return _tmp_file(folder, final, b"new output"), final


@pytest.mark.parametrize("force", [False, True])
def test_commit_flushes_the_data_before_the_rename_and_the_folder_after(force, tmp_path, monkeypatch):
    tmp, final = _to_commit(tmp_path, force)
    ino, folder_ino = tmp.stat().st_ino, tmp_path.stat().st_ino
    journal = _Journal(monkeypatch)
    atomic.commit(tmp, final, force)
    assert final.read_bytes() == b"new output" and not tmp.exists()
    synced, moved = journal.index("fsync", ino), journal.moves()
    assert moved and synced < moved[0], journal.events
    folder_synced = [i for i, e in enumerate(journal.events) if e[0] == "fsync" and e[1] == folder_ino]
    assert folder_synced and folder_synced[-1] > moved[-1], journal.events


@pytest.mark.parametrize("force", [False, True])
def test_commit_whose_data_did_not_reach_the_disk_is_a_write_error(force, tmp_path, monkeypatch):
    tmp, final = _to_commit(tmp_path, force)
    _Journal(monkeypatch, fail=errno.EIO)
    with pytest.raises(WriteError, match="cannot move the finished output into place"):
        atomic.commit(tmp, final, force)
    assert not tmp.exists()
    assert (final.read_bytes() == b"earlier") if force else not final.exists()


@pytest.mark.parametrize("code", [errno.EINVAL, errno.ENOTSUP])
def test_a_file_system_that_cannot_flush_still_gets_the_output(code, tmp_path, monkeypatch):
    tmp, final = _to_commit(tmp_path, False)
    _Journal(monkeypatch, fail=code)
    atomic.commit(tmp, final, False)
    assert final.read_bytes() == b"new output" and not tmp.exists()


def test_a_folder_that_cannot_be_flushed_still_gets_the_output(tmp_path, monkeypatch):
    tmp, final = _to_commit(tmp_path, False)
    _Journal(monkeypatch, fail=errno.EIO, fail_folders=True)
    atomic.commit(tmp, final, False)
    assert final.read_bytes() == b"new output"


@pytest.mark.parametrize("existing", [False, True])
def test_commit_dir_flushes_every_frame_before_the_move(existing, tmp_path, monkeypatch):
    final = tmp_path / "frames"
    if existing:
        final.mkdir()
    tmp = tmp_path / ".frames.livecut-tmp"
    tmp.mkdir()
    inos = []
    for i in range(3):
        p = tmp / f"{i:06d}.png"
        p.write_bytes(b"frame %d" % i)
        inos.append(p.stat().st_ino)
    journal = _Journal(monkeypatch)
    atomic.commit_dir(tmp, final, False, "*.png")
    assert sorted(p.name for p in final.iterdir()) == ["000000.png", "000001.png", "000002.png"]
    first_move = journal.moves()[0]
    for ino in inos:
        assert journal.index("fsync", ino) < first_move, journal.events


def test_livecut_image_output_is_on_the_disk_before_its_name(tmp_path, monkeypatch):
    """End to end, in this process: the cutout `livecut image` writes was fsync'ed before it
    was linked to its final name (a hard link: the same inode)."""
    from livecut.cli import main

    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8), (0, 0), 4)
    img[24:72, 32:96] = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    src = tmp_path / "in.png"
    cv2.imwrite(str(src), img)
    out = tmp_path / "cut"
    journal = _Journal(monkeypatch)
    with pytest.raises(SystemExit) as exc:
        main(["image", str(src), "-o", f"{out}/"])
    assert exc.value.code in (0, None)
    result = out / "in.png"
    ino = result.stat().st_ino
    links = [i for i, e in enumerate(journal.events) if e[0] in ("link", "replace") and e[2] == str(result)]
    assert links and journal.index("fsync", ino) < links[0], journal.events
