"""Video file source (PyAV).

Decodes with frame threading (``thread_type = "AUTO"``) from one long-lived
generator; packets that fail to decode in the middle of a file are skipped and
counted (:attr:`FileSource.corrupt`).  ``pace=True`` delivers each frame at its
timestamp on the wall clock (a preview window or a virtual camera shows the file
at its own speed; no frame is dropped; paced on the runner's play clock, see
:meth:`FileSource.pace_by`, a pause holds the frames and the file goes on at its own
speed after it, and after a slow stretch the clock resyncs instead of rushing).  ``live=True`` turns a file into a stand-in
for a camera: paced, no frame threading (lowest latency), and the runner treats
it like a live source (newest frame wins).

Frames are BGR (HxWx3) unless the runner asks for I420 with
:meth:`FileSource.use_pixel_format` (``"yuv420p"``: ``(H*3//2) x W`` uint8, the
decoded Y, U and V planes without colour conversion -- a 4:2:2 or 4:4:4 video's made 4:2:0
as FFmpeg makes it; only for a yuv420p, 4:2:2 or 4:4:4 video of even size, see
:attr:`FileSource.can_yuv420p`).  I420 and BGR frames come from a pool of
buffers the runner gives back with :meth:`FileSource.release_frame` (BGRA ones are new arrays).  A video with
an alpha channel of its own (VP8/VP9 WebM with alpha, ProRes 4444, QuickTime
Animation, PNG in MOV, FFV1 yuva; an animated AVIF's alpha track, see :class:`_AlphaTrack`)
opened with ``alpha=True`` gives BGRA (HxWx4) frames instead (:attr:`FileSource.alpha`): FFmpeg's own
VP8/VP9 decoders drop the alpha, so such a WebM is decoded by libvpx (:data:`ALPHA_DECODERS`).  An interlaced video is
deinterlaced as it is decoded (FFmpeg's bwdif, a frame for a frame; ``video.deinterlace``).
"""

from __future__ import annotations

import heapq
import math
import os
import re
import shlex
import stat
import threading
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from livecut.config import VideoConfig
from livecut.deinterlace import (FIELD_ORDERS, bwdif_options, deinterlaced, deinterlaced_once_flagged,
                                 said_once_flagged)
from livecut.errors import UsageError, VideoOpenFailure
from livecut.frames import check_flag
from livecut.i420 import (AS_BT601, BT709, FULL_RANGE, HIGH_BIT_420, HIGH_BIT_422_444, LIMITED_RANGE, YUV_422, YUV_444,
                          BgrReader, UNSPECIFIED, frame_planes, has_alpha, planes, read_description,
                          undithered_frame, undithered_planes)
from livecut.pacing import Pacer
from livecut.progress import clock as run_clock
from livecut.resize import fit_onto_bars, fitted_size
from livecut.sources import register_source
from livecut.sources.base import (ClosesWhileReading, Frame, FramePool, PixelShapes, SourceInfo, refuse_pickle,
                                  text_note)
from livecut.urls import INPUT_SCHEMES, file_for_ffmpeg, redact_url, url_scheme

#: give up on a file after this many undecodable packets in a row
MAX_CONSECUTIVE_ERRORS = 200
#: ... or after its demuxer asked this many times in a row to be called again (EAGAIN)
MAX_DEMUX_AGAIN = 10_000

#: the decoders that read the alpha of a VP8/VP9 stream (Matroska/WebM, tagged ``alpha_mode``
#: 1; the alpha travels beside the picture, in BlockAdditions): FFmpeg's own drop it
ALPHA_DECODERS = {"vp8": "libvpx", "vp9": "libvpx-vp9"}
#: the HDR transfers a video can state (FFmpeg's AVCOL_TRC_*): said to be processed as 8-bit
HDR_TRANSFERS = {16: "PQ", 18: "HLG"}
BT2020_PRIMARIES = 9


def check_frame_size(w: int, h: int, where, least: int | None = None) -> None:
    """Refuse, from the header and before decoding, frames livecut cannot process: smaller
    than ``least`` (MIN_SIDE where None) or larger than MAX_VIDEO_PIXELS (a header may claim absurd
    dimensions)."""
    from livecut.imageio import MAX_VIDEO_PIXELS, MIN_SIDE

    if min(w, h) < (MIN_SIDE if least is None else least):
        raise VideoOpenFailure(f"{where}: video is {w}x{h}; livecut needs at least {MIN_SIDE}x{MIN_SIDE} pixels")
    if w * h > MAX_VIDEO_PIXELS:
        raise VideoOpenFailure(f"{where}: video is {w}x{h}; livecut handles at most "
                               f"{MAX_VIDEO_PIXELS // 1_000_000} megapixels per frame")


def _check_y4m_header(p: Path, least: int | None = None) -> None:
    try:
        with open(p, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return
    if not head.startswith(b"YUV4MPEG2 "):
        return
    fields = head.split(b"\n", 1)[0].split()[1:]
    try:
        w = next(int(f[1:]) for f in fields if f.startswith(b"W"))
        h = next(int(f[1:]) for f in fields if f.startswith(b"H"))
    except (StopIteration, ValueError):
        return
    check_frame_size(w, h, p, least)


#: box types an MP4/MOV (ISO-BMFF, QuickTime) file starts with
BMFF_FIRST_BOXES = frozenset({b"ftyp", b"wide", b"free", b"skip", b"mdat", b"pnot"})
#: top-level boxes read at most, looking for the index (a file has a handful)
MAX_TOP_BOXES = 10_000


#: bytes at a file's end looked at for what ends it, past zero padding (a GIF's trailer, a NUT's
#: index size: see _gif_cut_short, _nut_cut_short)
TAIL_BYTES = 4096


def _gif_cut_short(p: Path) -> bool:
    """Whether ``p`` is a GIF that does not end in its trailer (the byte 0x3B, written last): a
    copy broken off (``head -c``), a download cut short.  FFmpeg gives no sign of one: it counts
    the frames there are and decodes them, the one cut in the middle dropped.  Zero bytes after
    the trailer (a file padded to a block size) are passed over: such a file is whole."""
    try:
        with open(p, "rb") as fh:
            if fh.read(4) != b"GIF8":
                return False
            size = fh.seek(0, 2)
            fh.seek(max(0, size - TAIL_BYTES))
            return not fh.read().rstrip(b"\0").endswith(b"\x3b")
    except OSError:
        return False


#: what a picture given as a video is advised (``livecut file photo.jpg``)
PICTURE_ADVICE = "`livecut image` cuts photos with finer edges (colour guide), its EXIF turn and colour profile"
#: the same of one piped in (``livecut file - < photo.jpg``): `livecut image` reads no standard input
PIPED_PICTURE_ADVICE = ("saved to a file, `livecut image FILE` cuts it with finer edges (colour guide), its EXIF "
                        "turn and colour profile")

#: how far back from its end an MPEG-PS or Ogg file is read for a packet or page to walk from
WALK_TAIL_BYTES = 256 << 10


def _walk_tail(p: Path) -> bytes | None:
    """The last :data:`WALK_TAIL_BYTES` of file ``p`` (None where it cannot be read)."""
    try:
        with open(p, "rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(max(0, size - WALK_TAIL_BYTES))
            return fh.read()
    except OSError:
        return None


def _ps_cut_short(p: Path) -> bool:
    """Whether ``p`` is an MPEG-PS file (a DVD camcorder's .MPG, a .VOB) that ends in the middle of
    a packet: a copy broken off (``head -c``), a recording cut short.  FFmpeg gives no sign of one
    but a corrupt packet skipped: the file's length is its timestamps' (the last ones read).  Its
    packets are walked from a pack header near its end (MPEG-2 or MPEG-1 packs, each packet stating
    its length); one whose length runs past the file's end is one cut short (a file that ends with
    a packet whole, its end code, or zeros after them is whole; one whose bytes do not walk so, no
    pack header near the end, is not taken for cut)."""
    tail = _walk_tail(p)
    if tail is None:
        return False
    pos = tail.find(b"\0\0\1\xba")
    while pos >= 0:
        cut = _ps_walk(tail, pos)
        if cut is not None:
            return cut
        pos = tail.find(b"\0\0\1\xba", pos + 1)
    return False


def _ps_walk(buf: bytes, pos: int) -> bool | None:
    """Walk MPEG-PS packets in ``buf`` (a file's last bytes) from ``pos``: True where the last one
    runs past its end, False where they end with it, None where the bytes are not packets."""
    n, data = len(buf), len(buf.rstrip(b"\0"))
    while pos < n:
        if pos >= data:
            return False  # (zeros after the last packet: a file padded to a block size)
        if n - pos < 6:
            return buf[pos:pos + 3] == b"\0\0\1"[:n - pos] or None
        if buf[pos:pos + 3] != b"\0\0\1":
            return None
        code = buf[pos + 3]
        if code == 0xB9:  # (the program end code)
            pos += 4
        elif code == 0xBA:  # (a pack header: MPEG-2's, its stuffing after it, or MPEG-1's)
            if buf[pos + 4] >> 6 == 1:
                pos += 14 + (buf[pos + 13] & 7 if n - pos > 13 else 0)
            elif buf[pos + 4] >> 4 == 2:
                pos += 12
            else:
                return None
        elif code >= 0xBB:  # (a system header or a stream's packet: its length after its code)
            pos += 6 + int.from_bytes(buf[pos + 4:pos + 6], "big")
        else:
            return None
    return pos > n


def _ogg_cut_short(p: Path) -> bool:
    """Whether ``p`` is an Ogg file (.ogv, .ogg) that ends in the middle of a page: a copy broken
    off (``head -c``), a download cut short.  FFmpeg gives no sign of one: the file's length is
    that of its last page left.  Its pages are walked from one near its end (each header states
    its segments' lengths); one that runs past the file's end is one cut short (a file that ends
    with a page whole, or zeros after it, is whole; one whose bytes do not walk so is not taken
    for cut)."""
    buf = _walk_tail(p)
    if buf is None:
        return False
    n, data = len(buf), len(buf.rstrip(b"\0"))
    start = buf.find(b"OggS")
    while start >= 0:
        pos = start
        while pos < data and buf[pos:pos + 4] == b"OggS"[:n - pos] and buf[pos + 4:pos + 5] in (b"\0", b""):
            if n - pos < 27:
                return True
            segments = buf[pos + 27:pos + 27 + buf[pos + 26]]
            pos += 27 + buf[pos + 26] + sum(segments)
        if pos >= data:  # (the pages walked to the end: past it where the last one is cut)
            return pos > n
        start = buf.find(b"OggS", start + 1)
    return False


def _dv_cut_short(p: Path) -> bool:
    """Whether ``p`` is a raw DV file (.dv: a camcorder's tape captured over FireWire) that ends
    in the middle of a frame: a copy broken off (``head -c``), a capture cut short.  FFmpeg
    gives no sign of one: it estimates the length from the size, and reads the part of the last
    frame as a frame.  Each frame is whole DIF sequences of 12000 bytes, 10 a frame (525/60:
    NTSC) or 12 (625/50: PAL, its first header block says), twice or four times as many for
    DV50 and DVCPRO HD: a file of other than whole such frames is one cut short."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(4)
            size = fh.seek(0, 2)
    except OSError:
        return False
    if len(head) < 4 or head[0] >> 5:  # (not a header block, section type 0, first)
        return False
    return size % (12000 * (12 if head[3] & 0x80 else 10)) != 0


#: an ASF file's (WMV, WMA) header object, and its file properties object, which states the file's size
ASF_HEADER_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
ASF_FILE_PROPERTIES_GUID = bytes.fromhex("a1dcab8c47a9cf118ee400c00c205365")


def _asf_cut_short(p: Path) -> bool:
    """Whether ``p`` is an ASF file (.wmv, .wma) shorter than the size its header states: a copy
    broken off (``head -c``), a download cut short.  FFmpeg gives no sign of one: where the size
    is off (by over 5 %) it drops the length the header states too, and counts the frames left.
    A header marked as a broadcast's (a live capture: its size not known when it was written)
    states none; a file longer than it says (bytes after it) is whole."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(30)  # (the header object: its GUID, size, number of objects, 2 reserved bytes)
            if len(head) < 30 or head[:16] != ASF_HEADER_GUID:
                return False
            size = os.fstat(fh.fileno()).st_size
            for _ in range(min(int.from_bytes(head[24:28], "little"), 256)):
                obj = fh.read(24)  # (an object's GUID and size)
                length = int.from_bytes(obj[16:24], "little")
                if len(obj) < 24 or length < 24:
                    return False
                if obj[:16] == ASF_FILE_PROPERTIES_GUID:
                    body = fh.read(68)  # (file ID, size, date, packets, play/send times, preroll, flags)
                    if len(body) < 68:
                        return False
                    stated = int.from_bytes(body[16:24], "little")
                    broadcast = int.from_bytes(body[64:68], "little") & 1
                    return not broadcast and size < stated
                fh.seek(length - 24, 1)
    except OSError:
        pass
    return False


#: MPEG-TS packet sizes: plain, BDAV/AVCHD (.m2ts, .mts: a 4-byte timestamp before each), with FEC
TS_PACKET_SIZES = (188, 192, 204)


def _ts_packets_in_line(head: bytes) -> Iterator[tuple[int, int, int]]:
    """``(n, sync, start)`` for each MPEG-TS packet size ``n`` (:data:`TS_PACKET_SIZES`) whose
    sync bytes (0x47, ``sync`` bytes into a packet: 4 after a BDAV timestamp) stand in line over
    the first five packets of ``head`` (a file's first bytes), the first packet at ``start``."""
    for n in TS_PACKET_SIZES:
        sync = 4 if n == 192 else 0  # (where a packet's sync byte 0x47 is)
        start = next((o for o in range(n) if all(head[o + sync + k * n:o + sync + k * n + 1] == b"\x47"
                                                 for k in range(5))), None)
        if start is not None:
            yield n, sync, start


def _ts_cut_short(p: Path) -> bool:
    """Whether ``p`` is an MPEG-TS file that ends in the middle of a packet: a copy broken off
    (``head -c``), a download or recording cut short.  FFmpeg gives no sign of one: the file's
    length is its timestamps' (the last ones read), its frames the ones left.  Only a file of
    whole packets from its first sync byte on, each packet's sync byte where it should be up
    to the last one, cut in it, is one (a file of other bytes, or cut at a packet's end, is not)."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(max(TS_PACKET_SIZES) * 6)
            size = fh.seek(0, 2)
            for n, sync, start in _ts_packets_in_line(head):
                rest = (size - start) % n
                if not rest:
                    return False
                last = size - rest - n  # (the last whole packet, and the one cut in it, in line)
                fh.seek(last + sync)
                tail = fh.read(n + 1)
                return tail[:1] == b"\x47" and (rest <= sync or tail[n:n + 1] == b"\x47")
    except OSError:
        pass
    return False


#: RIFF chunks that hold others (their type, 4 bytes, after the size): walked into, whatever size
#: they state (written to a pipe, an AVI's RIFF and its frames' LIST state none)
RIFF_LISTS = (b"RIFF", b"LIST")


def _chunk_id(b: bytes) -> bool:
    """Whether ``b`` can be a RIFF chunk's id (``00dc``, ``LIST``, ``rec ``), or the start of one
    where a file ends."""
    return b.isascii() and b.rstrip(b" ").isalnum()


def _avi_cut_short(p: Path) -> bool:
    """Whether ``p`` is an AVI that ends in the middle of a chunk: one written to a pipe
    (``ffmpeg ... -f avi -``), which states no length (its count of frames FFmpeg's stand-in), cut
    short -- its writer killed, a copy broken off (``head -c``).  FFmpeg gives no sign of one: it
    decodes the frame cut in it from what is left.  Its chunks (an id, their size, their data)
    are walked, into RIFF and LIST ones; one cut in its header or data is one (a file of other
    bytes, or cut at a chunk's end, is not)."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(12)
            if head[:4] != b"RIFF" or head[8:] != b"AVI ":
                return False
            size = fh.seek(0, 2)
            pos = 12
            while pos < size:
                fh.seek(pos)
                chunk = fh.read(12)
                if not _chunk_id(chunk[:4]):
                    return False  # (not a chunk: zeros after the last, or other bytes)
                if len(chunk) < 8:
                    return True
                if chunk[:4] in RIFF_LISTS:
                    pos += 12
                    continue
                n = int.from_bytes(chunk[4:8], "little")
                if pos + 8 + n > size:
                    return True
                pos += 8 + n
                if n % 2:  # (a chunk of an odd size is padded; a writer that left it out, followed)
                    fh.seek(pos)
                    two = fh.read(5)
                    pos += 1 if _chunk_id(two[1:]) or not _chunk_id(two[:4]) else 0
            return False
    except OSError:
        return False


def _avi_closed(p: Path) -> bool:
    """Whether ``p`` is an AVI its writer closed: one RIFF chunk, as long as the file, that
    holds its index (``idx1``, written last).  Its ticks after the last frame are then that
    frame held (empty entries, as FFmpeg writes a pause and VirtualDub a dropped frame), no
    frames missing."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(12)
            size = fh.seek(0, 2)
            if head[:4] != b"RIFF" or head[8:] != b"AVI " or 8 + int.from_bytes(head[4:8], "little") != size:
                return False
            pos = 12
            while pos + 8 <= size:
                fh.seek(pos)
                chunk = fh.read(8)
                if chunk[:4] == b"idx1":
                    return True
                n = int.from_bytes(chunk[4:8], "little")
                pos += 8 + n + n % 2
            return False
    except OSError:
        return False


#: FLV tag types: audio, video, script data (its onMetaData)
FLV_TAGS = (8, 9, 18)


def _flv_tags(fh) -> Iterator[tuple[int, bytes]]:
    """(offset, its first 12 bytes) of each tag of the FLV stream open in ``fh`` (from its start),
    from its header's end to the file's end; none where it is no FLV."""
    head = fh.read(9)
    if head[:3] != b"FLV" or len(head) < 9:
        return
    size = fh.seek(0, 2)
    pos = int.from_bytes(head[5:9], "big") + 4  # (the header, then the size of no tag before)
    while pos < size:
        fh.seek(pos)
        tag = fh.read(12)
        yield pos, tag
        pos += 11 + int.from_bytes(tag[1:4], "big") + 4


def _flv_cut_short(p: Path) -> bool:
    """Whether ``p`` is an FLV stream that ends in the middle of a tag: one written to a pipe
    (``ffmpeg -i rtmp://... -c copy -f flv -``) whose writer was killed, a copy broken off
    (``head -c``).  Written to a pipe it states no length, and FFmpeg gives no sign of one: the
    length it gives is that of the timestamps left.  Each tag (an 11-byte header that states the
    size of its data, the data, then the tag's size again) is walked from the header's end; one
    cut in its header or data is one (a stream of other bytes, or cut at a tag's end, is not)."""
    try:
        with open(p, "rb") as fh:
            end = 0
            for pos, tag in _flv_tags(fh):
                if tag[0] & 0x1F not in FLV_TAGS:
                    return False
                if len(tag) < 11:
                    return True
                end = pos + 11 + int.from_bytes(tag[1:4], "big")
            return end > os.fstat(fh.fileno()).st_size  # (its data cut: the tag's size after it is not needed)
    except OSError:
        return False


def flv_made_up_audio(p: Path) -> bool:
    """Whether the 8-bit PCM audio stream (pcm_u8, 5512 Hz, mono) that FFmpeg gives FLV stream
    ``p`` is one it made up: ``p`` is cut in an audio tag before the byte that states its codec
    (the tag's first), which FFmpeg reads as 0 past the end (8-bit PCM at 5512 Hz: a stream of its
    own beside the real one, of one broken packet), and no whole audio tag in it is 8-bit PCM."""
    try:
        with open(p, "rb") as fh:
            for _, tag in _flv_tags(fh):
                if tag[0] & 0x1F not in FLV_TAGS:
                    return False
                if tag[0] & 0x1F == 8:
                    if len(tag) < 12:
                        return True  # (cut before its codec's byte)
                    if tag[11] >> 4 in (0, 3) and not tag[11] & 2:  # (PCM, 8-bit: a real one)
                        return False
            return False
    except (OSError, IndexError):
        return False


#: the longest line a YUV4MPEG stream's frame starts with ('FRAME', its parameters, a line's end)
Y4M_LINE = 256


def _y4m_cut_short(p: Path) -> bool:
    """Whether ``p`` is a YUV4MPEG stream (``ffmpeg ... -f yuv4mpegpipe -``, a .y4m file) that ends
    in the middle of a frame: its writer killed, a copy broken off (``head -c``).  It states no
    length, and FFmpeg gives no sign of one: it drops the frame cut in it and counts the rest.
    Each frame is a line that starts with 'FRAME' and a picture of one size (the first packet's,
    as FFmpeg reads it): they are walked from the header's end, and one cut in its line or its
    picture is one (a stream cut at a frame's end cannot be told, nor one of other bytes)."""
    import av

    try:
        with av.open(file_for_ffmpeg(p), "r", format="yuv4mpegpipe") as c:
            picture = next((k.size for k in c.demux(video=0) if k.size), 0)
        if not picture:
            return False
        with open(p, "rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(0)
            pos = len(fh.readline(Y4M_LINE))
            while pos < size:
                fh.seek(pos)
                line = fh.readline(Y4M_LINE)
                if not line.endswith(b"\n"):  # (cut in its line, or bytes that are no frame's)
                    return pos + len(line) == size and b"FRAME".startswith(line[:5])
                if not line.startswith(b"FRAME"):
                    return False
                pos += len(line) + picture
            return pos > size
    except (OSError, av.error.FFmpegError):
        return False


#: the start codes of a NUT stream's packets ('N' and 7 bytes): its index, which its writer puts
#: last, its syncpoints (one before a key frame, or every 32 KiB), its main header
NUT_INDEX_STARTCODE = 0x4E58DD672F23E64E
NUT_SYNCPOINT_STARTCODE = 0x4E4BE4ADEECA4569
NUT_MAIN_STARTCODE = 0x4E4D7A561F5F04AD
NUT_STARTCODES = frozenset({NUT_INDEX_STARTCODE, NUT_SYNCPOINT_STARTCODE, NUT_MAIN_STARTCODE,
                            0x4E5311405BF2F9DB, 0x4E49AB68B596BA78})  # (and a stream's header, an info packet)
#: a NUT frame header's flags (FFmpeg's nut.h) that say which of its fields are there
NUT_CODED_PTS, NUT_STREAM_ID, NUT_SIZE_MSB, NUT_CHECKSUM, NUT_RESERVED = 8, 16, 32, 64, 128
NUT_HEADER_IDX, NUT_MATCH_TIME, NUT_CODED, NUT_INVALID = 1024, 2048, 4096, 8192
#: bytes looked through, back from the end, for the last syncpoint (one frame's: 4K raw BGRA is 33 MB)
NUT_SYNC_BACK = 256 << 20
#: frames walked at most from the last syncpoint (a stream without syncpoints, -syncpoints none, has one)
NUT_MAX_FRAMES = 1_000_000


class _NutCut(Exception):
    """The bytes end in the middle of what is being read."""


def _nut_varlen(fh) -> int:
    """A NUT variable-length number (7 bits a byte, the top bit set on all but the last)."""
    value = 0
    while True:
        b = fh.read(1)
        if not b:
            raise _NutCut
        value = (value << 7) | (b[0] & 127)
        if not b[0] & 128:
            return value


def _nut_frame_codes(fh) -> tuple[list[tuple[int, int, int, int, int]], list[int]] | None:
    """The main header's frame code table (each code's flags, size multiplier, size's low part,
    reserved fields, elided header) and the elided headers' lengths, read as FFmpeg's demuxer reads them;
    ``fh`` is just after the main header's start code.  None where it does not parse."""
    size = _nut_varlen(fh)
    if size > 4096:
        fh.read(4)  # (the header's checksum)
    end = fh.tell() + size
    version = _nut_varlen(fh)
    if version > 3:
        _nut_varlen(fh)  # (minor version)
    _nut_varlen(fh), _nut_varlen(fh)  # (streams, max distance)
    for _ in range(2 * _nut_varlen(fh)):  # (time bases)
        _nut_varlen(fh)
    codes: list[tuple[int, int, int, int, int]] = []
    mul, head = 1, 0
    while len(codes) < 256:
        flags, fields = _nut_varlen(fh), _nut_varlen(fh)
        values = [_nut_varlen(fh) for _ in range(fields)]
        if fields > 1:
            mul = values[1]
        size_lsb = values[3] if fields > 3 else 0
        reserved = values[4] if fields > 4 else 0
        count = values[5] if fields > 5 else mul - size_lsb
        if fields > 7:
            head = values[7]
        if count <= 0 or count > 256 - len(codes) - (len(codes) <= ord("N")):
            return None
        for j in range(count):
            if len(codes) == ord("N"):
                codes.append((NUT_INVALID, 0, 0, 0, 0))
            codes.append((flags, mul, size_lsb + j, reserved, head))
    elided = [0]
    if end > fh.tell() + 4:
        for _ in range(_nut_varlen(fh)):
            elided.append(_nut_varlen(fh))
            fh.seek(elided[-1], 1)
    return codes[:256], elided


def _nut_walk(fh, size: int, codes, elided) -> str:
    """'' where the frames and packets from ``fh`` (at a syncpoint) end at ``size``, the file's
    end; "frame" or "index" where one runs past it, "?" where they do not parse."""
    for _ in range(NUT_MAX_FRAMES):
        pos = fh.tell()
        if pos == size:
            return ""
        code = fh.read(1)[0]
        if code == ord("N"):
            rest = fh.read(7)
            if len(rest) < 7:
                raise _NutCut
            startcode = int.from_bytes(b"N" + rest, "big")
            if startcode not in NUT_STARTCODES:
                return "?"
            length = _nut_varlen(fh)
            fh.seek(length + (4 if length > 4096 else 0), 1)
            if fh.tell() > size:
                return "index" if startcode == NUT_INDEX_STARTCODE else "frame"
            continue
        flags, mul, length, reserved, header = codes[code]
        if flags & NUT_INVALID:
            return "?"
        if flags & NUT_CODED:
            flags ^= _nut_varlen(fh)
        if flags & NUT_STREAM_ID:
            _nut_varlen(fh)
        if flags & NUT_CODED_PTS:
            _nut_varlen(fh)
        if flags & NUT_SIZE_MSB:
            length += mul * _nut_varlen(fh)
        if flags & NUT_MATCH_TIME:
            _nut_varlen(fh)
        if flags & NUT_HEADER_IDX:
            header = _nut_varlen(fh)
        if flags & NUT_RESERVED:
            reserved = _nut_varlen(fh)
        for _ in range(reserved):
            _nut_varlen(fh)
        if header >= len(elided):
            return "?"
        length -= elided[0 if length > 4096 else header]
        if flags & NUT_CHECKSUM:
            fh.seek(4, 1)
        fh.seek(length, 1)  # (the frame's data: side data, then the packet's, with the elided header left out)
        if fh.tell() > size:
            return "frame"
    return "?"


def _nut_cut_short(p: Path) -> str:
    """'' or how ``p``, a NUT stream (what ``livecut file ... -o -`` and ``ffmpeg ... -f nut -``
    write), ends early: a writer killed, a copy broken off (``head -c``).  A NUT written to a
    pipe states no length, so FFmpeg gave no sign of one (exit 0).  Its writer ends it with its
    index, whose last 12 bytes are the index's own size (then a checksum), back to its start
    code; zero bytes after it (a file padded to a block size) are passed over.  One written
    without an index (``-write_index 0``) is whole where its frames from its last syncpoint, each
    header stating its size, end at the file's end, as FFmpeg reads them; one cut between two
    frames cannot be told from it (nor could FFmpeg).  One that does not parse is taken for cut."""
    try:
        with open(p, "rb") as fh:
            if fh.read(8) != b"nut/mult":  # (the file ID string, "nut/multimedia container")
                return ""
            size = fh.seek(0, 2)
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read()
            for cut in range(len(tail) - len(tail.rstrip(b"\0")) + 1):
                end = size - cut
                if len(tail) - cut < 12:
                    break
                ptr = int.from_bytes(tail[len(tail) - cut - 12:len(tail) - cut - 4], "big")
                if 12 < ptr <= end:
                    fh.seek(end - ptr)
                    if int.from_bytes(fh.read(8), "big") == NUT_INDEX_STARTCODE:
                        return ""
            return _nut_frames_cut(fh, size)
    except OSError:
        return ""


def _nut_frames_cut(fh, size: int) -> str:
    """'' where a NUT without its index (:func:`_nut_cut_short`) ends with a frame whole, else
    why it is taken for one cut short."""
    said = {"frame": "the NUT stream ends in the middle of a frame",
            "index": "the NUT stream ends in the middle of its index"}
    without = "the NUT stream ends without its index"
    fh.seek(0)
    head = fh.read(64 << 10)
    main = head.find(NUT_MAIN_STARTCODE.to_bytes(8, "big"))
    mark = NUT_SYNCPOINT_STARTCODE.to_bytes(8, "big")
    sync, stop = -1, size
    while sync < 0 and stop > 0 and size - stop < NUT_SYNC_BACK:
        start = max(0, stop - (1 << 20))
        fh.seek(start)
        sync = fh.read(stop - start + 7).rfind(mark)  # (7 bytes on: a start code across two reads)
        sync, stop = sync + start if sync >= 0 else -1, start
    if main < 0 or sync < 0:
        return without
    try:
        fh.seek(main + 8)
        table = _nut_frame_codes(fh)
        if table is None:
            return without
        fh.seek(sync)
        how = _nut_walk(fh, size, *table)
    except _NutCut:
        return said["frame"]
    except (IndexError, ValueError):
        return without
    return "" if not how else said.get(how, without)


#: Matroska (WebM) element IDs: the EBML header, the Segment, a Cluster; elements walked at most
EBML_ID, SEGMENT_ID, CLUSTER_ID = 0x1A45DFA3, 0x18538067, 0x1F43B675
MAX_MKV_ELEMENTS = 1_000_000


def _ebml_head(fh, pos: int) -> tuple[int, int, int | None] | str | None:
    """``(id, where its data starts, its size; None if unknown)`` of the EBML element at ``pos``;
    "cut" where its header runs past the file's end; None where the bytes are no header."""
    fh.seek(pos)
    head = fh.read(12)
    if not head or head[0] < 0x10:  # (an ID is 1 to 4 bytes long)
        return None
    n = 1 + (head[0] < 0x80) + (head[0] < 0x40) + (head[0] < 0x20)
    if len(head) < n + 1:
        return "cut"
    if head[n] == 0:
        return None
    m = 1
    while not head[n] & (0x80 >> (m - 1)):
        m += 1
    if len(head) < n + m:
        return "cut"
    size = int.from_bytes(head[n:n + m], "big") & ((1 << (7 * m)) - 1)
    return int.from_bytes(head[:n], "big"), pos + n + m, None if size == (1 << (7 * m)) - 1 else size


def _mkv_cut_short(p: Path) -> str:
    """'' or where a Matroska (WebM) file ends in the middle of an element: a copy broken off
    (``head -c``), a download or recording cut short.  A file written to a pipe states neither
    its length nor its frames, so FFmpeg gave no sign of one (exit 0): but each of its Segment's
    elements (a Cluster, a few seconds of frames) states its size.  Only the element headers
    are read; a file whose elements do not parse, or one of unknown size (a live recording's
    Cluster), is not one."""
    try:
        with open(p, "rb") as fh:
            end = fh.seek(0, 2)
            head = _ebml_head(fh, 0)
            if not isinstance(head, tuple) or head[0] != EBML_ID or head[2] is None:
                return ""
            seg = _ebml_head(fh, head[1] + head[2])
            if not isinstance(seg, tuple) or seg[0] != SEGMENT_ID:
                return ""
            pos, stop = seg[1], end if seg[2] is None else seg[1] + seg[2]
            for _ in range(MAX_MKV_ELEMENTS):
                if pos >= min(stop, end):
                    return ""
                el = _ebml_head(fh, pos)
                if el == "cut":
                    return "the Matroska file ends in the middle of an element"
                if el is None or el[2] is None:
                    return ""
                pos = el[1] + el[2]
                if pos > end:
                    return ("the Matroska file ends in the middle of a cluster" if el[0] == CLUSTER_ID
                            else "the Matroska file ends in the middle of an element")
    except OSError:
        pass
    return ""


#: Matroska element IDs read for a wiped start (see :func:`_mkv_wiped_start`): the Segment's
#: SeekHead, Info, Tracks and Cues, and the children read of them
SEEKHEAD_ID, INFO_ID, TRACKS_ID, CUES_ID = 0x114D9B74, 0x1549A966, 0x1654AE6B, 0x1C53BB6B
SEEK_ID, SEEK_WHAT_ID, SEEK_POSITION_ID, TIMECODE_SCALE_ID = 0x4DBB, 0x53AB, 0x53AC, 0x2AD7B1
TRACK_ENTRY_ID, TRACK_NUMBER_ID, TRACK_TYPE_ID = 0xAE, 0xD7, 0x83
CUE_POINT_ID, CUE_TIME_ID, CUE_TRACK_POSITIONS_ID, CUE_TRACK_ID = 0xBB, 0xB3, 0xB7, 0xF7
#: the most bytes of an element read whole for its children (a Cues element of a long film: ~1 MB)
MKV_READ_LIMIT = 16 << 20


def _ebml_children(fh, start: int, stop: int) -> Iterator[tuple[int, int, int]]:
    """``(id, where its data starts, its size)`` of the EBML elements from ``start`` to ``stop``
    in ``fh``, until one does not parse or runs past ``stop``."""
    pos = start
    for _ in range(MAX_MKV_ELEMENTS):
        if pos >= stop:
            return
        el = _ebml_head(fh, pos)
        if not isinstance(el, tuple) or el[2] is None or el[1] + el[2] > stop:
            return
        yield el
        pos = el[1] + el[2]


def _ebml_uint(fh, at: int, size: int) -> int:
    """The unsigned integer of ``size`` bytes at ``at``."""
    fh.seek(at)
    return int.from_bytes(fh.read(size), "big") if 0 < size <= 8 else 0


def _mkv_segment(fh) -> tuple[int, int] | None:
    """Where the Segment of the Matroska file open as ``fh`` begins its data, and where that data
    ends (the file's end where its size is unknown or runs past it); None where ``fh`` does not
    open with an EBML header and a Segment."""
    end = fh.seek(0, 2)
    head = _ebml_head(fh, 0)
    if not isinstance(head, tuple) or head[0] != EBML_ID or head[2] is None:
        return None
    seg = _ebml_head(fh, head[1] + head[2])
    if not isinstance(seg, tuple) or seg[0] != SEGMENT_ID:
        return None
    return seg[1], end if seg[2] is None else min(end, seg[1] + seg[2])


def _mkv_video_tracks(p: Path) -> int | None:
    """How many video tracks the Tracks element of the Matroska file ``p`` declares (found among
    the elements before its first Cluster), or None where it is not found there."""
    try:
        with open(p, "rb") as fh:
            seg = _mkv_segment(fh)
            if seg is None:
                return None
            for kind, at, size in _ebml_children(fh, *seg):
                if kind == CLUSTER_ID:
                    return None
                if kind == TRACKS_ID:
                    return sum(any(k == TRACK_TYPE_ID and _ebml_uint(fh, x, n) == 1
                                   for k, x, n in _ebml_children(fh, a, a + s))
                               for k, a, s in _ebml_children(fh, at, at + size) if k == TRACK_ENTRY_ID)
    except OSError:
        pass
    return None


def _mkv_wiped_start(p: Path, video: int) -> float | None:
    """Where (seconds) the Matroska file ``p``'s index (its Cues) places the first frame of its
    ``video``-th video track, when the bytes where its first Cluster should begin are no element
    (wiped, damaged: its demuxer passes over them to the next cluster it finds, in silence, and
    the video seemed to start there, its lost frames said nowhere); None where its elements run
    to a Cluster, or no index says (a file written to a pipe has none)."""
    try:
        with open(p, "rb") as fh:
            seg = _mkv_segment(fh)
            if seg is None:
                return None
            base, stop = seg
            found: dict[int, tuple[int, int]] = {}  # (the first of each kind met: where its data is, its size)
            seeks: dict[int, int] = {}
            pos = base
            for _ in range(MAX_MKV_ELEMENTS):
                if pos >= stop:
                    return None
                el = _ebml_head(fh, pos)
                if isinstance(el, tuple) and el[0] == CLUSTER_ID:
                    return None  # (its clusters begin where they should)
                if not isinstance(el, tuple) or el[2] is None or el[1] + el[2] > stop:
                    break  # (no element where the first cluster should begin: wiped)
                found.setdefault(el[0], (el[1], el[2]))
                if el[0] == SEEKHEAD_ID and el[2] <= MKV_READ_LIMIT:
                    for kind, at, size in _ebml_children(fh, el[1], el[1] + el[2]):
                        if kind != SEEK_ID:
                            continue
                        what = dict((k, (a, s)) for k, a, s in _ebml_children(fh, at, at + size))
                        if SEEK_WHAT_ID in what and SEEK_POSITION_ID in what:
                            seeks.setdefault(_ebml_uint(fh, *what[SEEK_WHAT_ID]),
                                             base + _ebml_uint(fh, *what[SEEK_POSITION_ID]))
                pos = el[1] + el[2]
            else:
                return None
            for kind in (INFO_ID, TRACKS_ID, CUES_ID):  # (elements after the clusters, as Cues are)
                if kind not in found and kind in seeks:
                    el = _ebml_head(fh, seeks[kind])
                    if isinstance(el, tuple) and el[0] == kind and el[2] is not None and el[1] + el[2] <= stop:
                        found[kind] = (el[1], el[2])
            if TRACKS_ID not in found or CUES_ID not in found or found[CUES_ID][1] > MKV_READ_LIMIT:
                return None
            scale = 1_000_000  # (nanoseconds a tick: the default)
            if INFO_ID in found:
                at, size = found[INFO_ID]
                scale = next((_ebml_uint(fh, a, s) for k, a, s in _ebml_children(fh, at, at + size)
                              if k == TIMECODE_SCALE_ID), scale) or scale
            tracks = []  # (the video tracks' numbers, in order)
            at, size = found[TRACKS_ID]
            for kind, a, s in _ebml_children(fh, at, at + size):
                if kind == TRACK_ENTRY_ID:
                    entry = {k: _ebml_uint(fh, x, n) for k, x, n in _ebml_children(fh, a, a + s)
                             if k in (TRACK_NUMBER_ID, TRACK_TYPE_ID)}
                    if entry.get(TRACK_TYPE_ID) == 1 and TRACK_NUMBER_ID in entry:
                        tracks.append(entry[TRACK_NUMBER_ID])
            if not 0 <= video < len(tracks):
                return None
            times = []
            at, size = found[CUES_ID]
            for kind, a, s in _ebml_children(fh, at, at + size):
                if kind != CUE_POINT_ID:
                    continue
                point = list(_ebml_children(fh, a, a + s))
                when = next((_ebml_uint(fh, x, n) for k, x, n in point if k == CUE_TIME_ID), None)
                for k, x, n in point:
                    if when is not None and k == CUE_TRACK_POSITIONS_ID and any(
                            c == CUE_TRACK_ID and _ebml_uint(fh, y, m) == tracks[video]
                            for c, y, m in _ebml_children(fh, x, x + n)):
                        times.append(when)
            return min(times) * scale / 1e9 if times else None
    except OSError:
        return None


def _mkv_damaged_head(p: Path) -> tuple[int, int] | None:
    """Where the bytes of the Matroska file ``p`` stop being elements before its first Cluster
    (wiped, damaged: where its first cluster should begin), and where the next cluster FFmpeg's
    demuxer passes on to begins (the file's end where none is found); None where its elements
    run to a Cluster, or it does not open as Matroska."""
    try:
        with open(p, "rb") as fh:
            seg = _mkv_segment(fh)
            if seg is None:
                return None
            pos, stop = seg
            for _ in range(MAX_MKV_ELEMENTS):
                if pos >= stop:
                    return None
                el = _ebml_head(fh, pos)
                if isinstance(el, tuple) and el[0] == CLUSTER_ID:
                    return None
                if not isinstance(el, tuple) or el[2] is None or el[1] + el[2] > stop:
                    break
                pos = el[1] + el[2]
            else:
                return None
            fh.seek(pos)
            data = fh.read(MKV_READ_LIMIT)
            at = data.find(CLUSTER_ID.to_bytes(4, "big"), 1)
            return pos, pos + at if at > 0 else stop
    except OSError:
        return None


def _ts_unsynced(p: Path, until: int, start: int = 0) -> int:
    """How many of the bytes ``start`` to ``until`` of the MPEG-TS file ``p`` are in no run of
    its packets (each a sync byte, 0x47, the next a packet's size on): damaged data, zeros or
    garbage, before its first packet read (a capture that starts in the middle of a packet has
    less than one; a stretch between two packets read, the data of a frame whose start was
    not in the file, none)."""
    try:
        with open(p, "rb") as fh:
            fh.seek(start)
            data = fh.read(min(until - start, MKV_READ_LIMIT))
    except OSError:
        return 0
    best = len(data)
    for size in TS_PACKET_SIZES:
        i = bad = 0
        while i < len(data):
            if data[i] == 0x47 and (i + size >= len(data) or data[i + size] == 0x47):
                i += size
                continue
            j = data.find(b"\x47", i + 1)
            j = len(data) if j < 0 else j
            bad += j - i
            i = j
        best = min(best, bad)
    return best


def _lacks_moov(p: Path) -> bool:
    """Whether ``p`` is an MP4/MOV file without its index (its ``moov`` box): a recording cut
    short before the index, written last, was (a camera or phone that lost power, a screen
    recorder killed).  Only the top-level box headers are read; a file whose boxes do not
    parse, or that holds a ``moov``, is not one."""
    try:
        with open(p, "rb") as fh:
            end = fh.seek(0, 2)
            pos = 0
            for n in range(MAX_TOP_BOXES):
                if pos + 8 > end:
                    return n > 0  # (the boxes ran to the end, or the last header is cut)
                fh.seek(pos)
                head = fh.read(16)
                size, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if n == 0 and kind not in BMFF_FIRST_BOXES:
                    return False
                if kind == b"moov":
                    return False
                if size == 1:  # (a 64-bit size follows)
                    if len(head) < 16:
                        return True
                    size = int.from_bytes(head[8:16], "big")
                    if size < 16:
                        return False
                elif size == 0:  # (the box runs to the end of the file)
                    return True
                elif size < 8:
                    return False
                pos += size  # (past the end: a box cut short, the file truncated in it)
    except OSError:
        return False
    return False


#: the most bytes of a fragmented MP4 searched past damaged data for the fragment (moof) after it
MP4_RESYNC_LIMIT = 16 << 20


def _moof_samples(fh, at: int, end: int, track_id: int) -> int:
    """The samples (frames) of track ``track_id`` in the fragment header (moof box) whose
    payload is ``at`` to ``end`` in ``fh``: its runs' (trun) counts, in its track fragments
    (traf) of that track (tfhd)."""
    from livecut.imageio import iso_boxes

    if end - at > MKV_READ_LIMIT:
        return 0
    fh.seek(at)
    b = memoryview(fh.read(end - at))
    n = 0
    for kind, s, e in iso_boxes(b, 0, len(b)):
        if kind != b"traf":
            continue
        boxes = list(iso_boxes(b, s, e))
        ids = [int.from_bytes(b[a + 4:a + 8], "big") for k, a, z in boxes if k == b"tfhd" and z - a >= 8]
        if ids == [track_id]:
            n += sum(int.from_bytes(b[a + 4:a + 8], "big") for k, a, z in boxes if k == b"trun" and z - a >= 8)
    return n


def _mp4_box_head(fh, pos: int) -> tuple[int, bytes, int, bool]:
    """The MP4 box header at ``pos`` of the open file ``fh``: ``(size, kind, inner, named)`` --
    its size (a 64-bit one where its 32-bit size is 1; 0: it runs to the file's end), its four
    bytes of type, its header's length (8 or 16) and whether that type is four letters (not
    zeros or garbage: damage)."""
    fh.seek(pos)
    head = fh.read(16)
    size, kind, inner = int.from_bytes(head[:4], "big"), head[4:8], 8
    named = all(0x20 <= c < 0x7F for c in kind)  # (a box's type: four letters)
    if size == 1 and len(head) == 16:
        size, inner = int.from_bytes(head[8:16], "big"), 16
    return size, kind, inner, named


def _mp4_fragments_unread(p: Path, track_id: int) -> tuple[int, int, int, int] | None:
    """``(where, size, fragments, frames)`` of a fragmented MP4 (``ffmpeg ... -movflags
    frag_keyframe+empty_moov -f mp4 -``) whose top-level boxes stop parsing at ``where``
    (damaged: a box of zeros, which FFmpeg's demuxer takes to run to the file's end, reading
    nothing past it), ``size`` bytes before the next fragment (moof box) found, and the
    ``fragments`` from there on, which hold ``frames`` samples of track ``track_id``; None where
    its boxes run to its end, or no fragment follows."""
    try:
        with open(p, "rb") as fh:
            end = fh.seek(0, 2)
            pos, where, resumed, fragments, frames = 0, None, 0, 0, 0
            for _ in range(MAX_TOP_BOXES * 10):
                if pos + 8 > end:
                    break
                size, kind, inner, named = _mp4_box_head(fh, pos)
                if size == 0 and named:
                    size = end - pos  # (the last box, run to the file's end)
                if named and size >= inner and pos + size > end:
                    break  # (a box cut short: the file's end, not damage)
                if not named or size < inner:
                    if where is not None:
                        break  # (damaged again: counted up to there)
                    fh.seek(pos + 1)
                    at = fh.read(MP4_RESYNC_LIMIT).find(b"moof", 3)
                    if at < 0:
                        return None
                    where = pos
                    pos = resumed = pos + 1 + at - 4
                    continue
                if kind == b"moof" and where is not None:
                    fragments += 1
                    frames += _moof_samples(fh, pos + inner, pos + size, track_id)
                pos += size
            if where is None or not fragments:
                return None
            return where, resumed - where, fragments, frames
    except OSError:
        return None


#: zeros a whole MP4 box may end with (a track run's last fields, a size's high bytes): zeros to
#: the file's end that begin further inside its last box are damage (see :func:`_mp4_zeroed_end`)
MP4_BOX_ZEROS = 16


def _mp4_zeroed_end(p: Path) -> tuple[int, int, bytes] | None:
    """``(where, size, kind)`` of the zeros a fragmented MP4 ends with where its last fragments
    were wiped to its end (a recording cut off by a crash, the file system's padding): its
    top-level boxes, a fragment (moof) among them, stop parsing at zeros that run to the file's
    end and begin inside the last box read (its frames' data zeroed too, :data:`MP4_BOX_ZEROS`),
    ``kind`` its type, not at its end -- zeros after a whole last box cannot be told from a
    preallocated file's.  None otherwise."""
    try:
        with open(p, "rb") as fh:
            end = fh.seek(0, 2)
            pos = last = 0
            fragmented = False
            for _ in range(MAX_TOP_BOXES * 10):
                if pos + 8 > end:
                    return None
                size, kind, inner, named = _mp4_box_head(fh, pos)
                if not named:
                    break
                if size == 0:
                    return None  # (the last box, run to the file's end)
                if size < inner:
                    break
                if pos + size > end:
                    return None  # (a box cut short: the file's end, not damage)
                fragmented |= kind == b"moof"
                last, last_kind, pos = pos, kind, pos + size
            else:
                return None
            if not fragmented or pos == 0:
                return None
            where = pos  # (the zeros' start: searched back through the last box, past its header)
            while where > last + 8:
                fh.seek(max(last + 8, where - (1 << 20)))
                chunk = fh.read(where - fh.tell())
                kept = len(chunk.rstrip(b"\0"))
                where -= len(chunk) - kept
                if kept:
                    break
            if pos - where < MP4_BOX_ZEROS:
                return None
            fh.seek(pos)
            while chunk := fh.read(1 << 20):
                if chunk.count(0) != len(chunk):
                    return None
            return where, end - where, last_kind
    except OSError:
        return None


def _zeros_at_end(p: Path) -> tuple[int, int] | None:
    """``(where, size)`` of the zeros file ``p`` ends with (searched back from its end); None
    where its last byte is not a zero, or it cannot be read."""
    try:
        with open(p, "rb") as fh:
            end = where = fh.seek(0, 2)
            while where > 0:
                fh.seek(max(0, where - (1 << 20)))
                chunk = fh.read(where - fh.tell())
                kept = len(chunk.rstrip(b"\0"))
                where -= len(chunk) - kept
                if kept:
                    break
    except OSError:
        return None
    return (where, end - where) if where < end else None


#: packets read back from an MPEG-TS packet to the start of its PES (see :func:`_ts_pes_ends`)
TS_PES_BACK = 2048


def _ts_pes_ends(fh, at: int, n: int, sync: int, start: int) -> bool:
    """Whether the MPEG-TS packet at ``at`` of the open file ``fh`` (packets of ``n`` bytes from
    ``start``, their sync byte ``sync`` bytes in) is the last of its PES, one that states its
    length (an audio stream's: 0, a video's, is unbounded), its data read whole: what it ends
    with (zeros: silence, a frame's last bytes) is its stream's data, not a wipe begun in it."""
    first = max(start, at - n * TS_PES_BACK)
    fh.seek(first)
    data = fh.read(at + n - first)
    if len(data) != at + n - first:
        return False
    pid, got = None, 0
    for pos in range(at - first, -1, -n):
        packet = data[pos + sync:pos + sync + 188]
        if len(packet) < 188 or packet[0] != 0x47:
            return False
        if pid is None:
            pid = int.from_bytes(packet[1:3], "big") & 0x1FFF
        elif int.from_bytes(packet[1:3], "big") & 0x1FFF != pid:
            continue
        control = packet[3] >> 4 & 3  # (an adaptation field (2), a payload (1))
        payload = packet[4 + (1 + packet[4] if control & 2 else 0):] if control & 1 else b""
        got += len(payload)
        if packet[1] & 0x40:  # (the PES's first packet)
            if payload[:3] != b"\0\0\x01" or len(payload) < 6:
                return False
            length = int.from_bytes(payload[4:6], "big")
            return bool(length) and got == 6 + length
    return False


#: bytes of the blocks a file system leaves unwritten, zeros, where a crash cut a recording off
#: (a disc's sector): a wipe begins at a multiple of it (see :func:`_ts_zeroed_end`)
TS_WIPE_BLOCK = 512

#: zeros a whole MPEG-TS file may end with after its last packet (padded to a block of the file
#: system, a disc's sector): more where packets should be are damage (see :func:`_ts_zeroed_end`)
TS_PAD_ZEROS = 4096


def _ts_zeroed_end(p: Path) -> tuple[int, int] | None:
    """``(where, size)`` of the zeros an MPEG-TS file ends with where its end was wiped (a
    recording cut off by a crash, the file system's zeros where its last blocks were not
    written): its packets, in line from its first to the one the zeros begin in or after, stop
    at zeros that run to the file's end over more than :data:`TS_PAD_ZEROS` bytes where packets
    should be (their sync bytes, 0x47, zeroed), begun inside a packet at a sector's start
    (:data:`TS_WIPE_BLOCK`); zeros begun at a packet's start, or inside its data where no sector
    starts before its end (the data's own zeros), are a padded file's as much as a wipe's, and
    not said.  A null packet's zeros (PID 0x1FFF, padding) are not counted among them; a file
    that ends with its packets whole, null ones included, or with a few zeros after them, is
    not one.  None otherwise."""
    zeros = _zeros_at_end(p)
    if zeros is None:
        return None
    where, size = zeros
    end = where + size
    try:
        with open(p, "rb") as fh:
            head = fh.read(max(TS_PACKET_SIZES) * 6)
            for n, sync, start in _ts_packets_in_line(head):
                if where <= start + sync:
                    return None  # (zeros from the first packet on: no stream to speak of)
                first = start + -(-(where - start) // n) * n  # (the first packet's place in the zeros)
                fh.seek(first - n)
                last = fh.read(4 + sync)  # (the packet before it, the zeros begun in it or after it)
                if last[sync:sync + 1] != b"\x47":
                    return None  # (its packets not in line up to the zeros)
                if where < first and int.from_bytes(last[sync + 1:sync + 3], "big") & 0x1FFF == 0x1FFF:
                    where = first  # (a null packet's zeros: padding)
                elif where < first and -(-where // TS_WIPE_BLOCK) * TS_WIPE_BLOCK >= first:
                    # (zeros inside the last packet that no sector's start falls in: a wipe begins
                    # at one, the file system's blocks left unwritten, so they are its data -- a
                    # video frame's trailing zeros, as a broadcast recorder's H.264 or MPEG-2 ends
                    # with -- and a wipe, if any, began at the packet's end, as a padded file's
                    # zeros; it was 'the video ends early', exit 3, of a whole recording that
                    # ffmpeg plays to its end)
                    where = first
                elif where < first and _ts_pes_ends(fh, first - n, n, sync, start):
                    # (the last packet of an audio PES read whole, its data ending in zeros -- silence
                    # in PCM or SMPTE 302M, an MP2 frame's last byte -- then zeros after it: a padded
                    # file's; it was 'the video ends early', exit 3, of a whole recording)
                    where = first
                if where == first or end - first <= TS_PAD_ZEROS:
                    # (zeros after whole packets: a preallocated or padded recording's, which a wipe
                    # begun at a packet's start cannot be told from -- said nothing, as a fragmented
                    # MP4's zeros after a whole box)
                    return None
                return where, end - where
    except OSError:
        pass
    return None


#: seconds of a file read again at its end to see whether its streams reach the declared end
END_WINDOW = 3.0
#: how far short of the declared end the last packet may stop (a frame or two of audio)
END_SLACK = 0.25
#: MPEG-TS/PS cut short: how far past the video's end the other streams' stamps left must run
#: for the cut to be in what runs on after a whole video (see FileSource._runs_past_video)
RUN_ON_PAST = 0.5


def _packets_end(container) -> float:
    """The latest end (seconds) of the packets demuxed from here on, 0 if none."""
    end = 0.0
    for pkt in container.demux():
        if pkt.size and pkt.pts is not None and pkt.time_base:
            end = max(end, float((pkt.pts + (pkt.duration or 0)) * pkt.time_base))
    return end


#: bytes between one packet's end and the next packet of a file that are data passed over (a
#: stretch the demuxer could not read and resumed after), not a container's own headers
SKIPPED_DATA = 4096


def _data_skipped(container) -> bool:
    """Whether the packets demuxed from here on leave a stretch of the file unread between
    them (:data:`SKIPPED_DATA`): Matroska's demuxer passes over damaged data in silence, on to
    its next cluster, no error raised, no packet flagged (a clean file's packets follow one
    another, a few bytes of headers apart)."""
    end = None
    for pkt in container.demux():
        pos = pkt.pos
        if not pkt.size or pos is None or pos < 0:
            continue
        if end is not None and pos - end > SKIPPED_DATA:
            return True
        end = max(end or 0, pos + pkt.size)
    return False


def _unread_tail(container, size: int, video: int) -> int:
    """How many bytes of a file of ``size`` bytes after the last packet of stream ``video``
    demuxed from here on no packet (any stream) holds: an audio cluster past a stretch the
    demuxer could not read counts none of it."""
    end = held = 0
    for pkt in container.demux():
        if not pkt.size or pkt.pos is None or pkt.pos < 0:
            continue
        if pkt.stream.index == video:
            end, held = max(end, pkt.pos + pkt.size), 0
        elif pkt.pos >= end:
            held += pkt.size
    return size - end - held


#: bytes of an MPEG-TS read for its programme tables (PAT, PMT: sent a few times a second)
PROGRAMME_BYTES = 1 << 20


def _ts_programmes(p: Path) -> dict[int, set[int]]:
    """The PIDs of each programme of the MPEG-TS ``p`` (188-byte packets, or 192 with a
    timestamp before each, M2TS) by its number, from its tables in the first
    :data:`PROGRAMME_BYTES`; none where none are found (a table over more than one packet is
    not read)."""
    try:
        with open(p, "rb") as fh:
            buf = fh.read(PROGRAMME_BYTES)
    except OSError:
        return {}
    size, first = next(((n, i) for n in (188, 192) for i in range(n)
                        if all(buf[i + k * n:i + k * n + 1] == b"\x47" for k in range(4))), (0, 0))
    if not size:
        return {}

    def sections():  # (pid, the section that starts in a packet)
        for at in range(first, len(buf) - 188 + 1, size):
            pkt = buf[at:at + 188]
            if pkt[0] != 0x47 or not pkt[1] & 0x40:  # (no section starts here)
                continue
            pid, control = (pkt[1] & 0x1F) << 8 | pkt[2], pkt[3] >> 4 & 3
            body = pkt[4:] if control == 1 else pkt[5 + pkt[4]:] if control == 3 else b""
            if body:
                section = body[1 + body[0]:]
                if len(section) >= 3 and 3 + ((section[1] & 0x0F) << 8 | section[2]) <= len(section):
                    yield pid, section[:3 + ((section[1] & 0x0F) << 8 | section[2])]

    pmts: dict[int, int] = {}  # PMT PID -> programme number
    for pid, sec in sections():
        if pid == 0 and sec[0] == 0:
            for i in range(8, len(sec) - 4 - 3, 4):
                number = sec[i] << 8 | sec[i + 1]
                if number:  # (programme 0: the network table)
                    pmts[(sec[i + 2] & 0x1F) << 8 | sec[i + 3]] = number
            break
    found: dict[int, set[int]] = {}
    for pid, sec in sections():
        if pid in pmts and sec[0] == 2 and pid not in found and len(sec) >= 12:
            i, end = 12 + ((sec[10] & 0x0F) << 8 | sec[11]), len(sec) - 4
            pids = set()
            while i + 5 <= end:
                pids.add((sec[i + 1] & 0x1F) << 8 | sec[i + 2])
                i += 5 + ((sec[i + 3] & 0x0F) << 8 | sec[i + 4])
            found[pid] = pids
            if len(found) == len(pmts):
                break
    return {pmts[pid]: pids for pid, pids in found.items()}


def programme_pids(container, video) -> set[int] | None:
    """The PIDs (stream ids) of the programme that carries ``video`` where ``container`` is an
    MPEG-TS file of several programmes (a TV channel's multiplex: each programme its own clock,
    its times apart from the others' by any amount), None otherwise.  Its audio and subtitles
    are those of that programme, as ffmpeg picks them (another's, copied, started the output
    where that one started: a programme 30 s ahead of the video's, 30 s before its first frame)."""
    found = _programme(container, video)
    return None if found is None else found[1]


def programme_number(container, video) -> int | None:
    """The number of the programme that carries ``video`` where ``container`` is an MPEG-TS file
    of several programmes (see :func:`programme_pids`), None otherwise."""
    found = _programme(container, video)
    return None if found is None else found[0]


def _programme(container, video) -> tuple[int, set[int]] | None:
    """The number and PIDs of the programme that carries ``video`` (see :func:`programme_pids`)."""
    if video is None or "mpegts" not in (container.format.name or "").split(","):
        return None
    path = Path(getattr(container, "name", "") or "")
    if not path.is_file():
        return None
    programmes = _ts_programmes(path)
    if len(programmes) < 2:
        return None
    return next(((n, pids) for n, pids in programmes.items() if video.id in pids), None)


def demuxer(p) -> str | None:
    """The FFmpeg demuxer to read the local file ``p`` with where FFmpeg's own probe picks a
    wrong one (None: its probe's): "apng" for an animated PNG whose chunks before its animation's
    (acTL) run past the probe's first 2 KB -- a colour profile, as Pillow writes an APNG of photos
    that had one --, which FFmpeg then reads as one picture (png_pipe): its other frames were lost,
    "is a picture, not a video", exit 0."""
    try:
        if not stat.S_ISREG(os.stat(p).st_mode):  # (a pipe is not read ahead of FFmpeg)
            return None
        with open(p, "rb") as fh:
            if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                return None
            for _ in range(1000):
                head = fh.read(8)
                if len(head) < 8 or head[4:] == b"IDAT":
                    return None
                if head[4:] == b"acTL":
                    return "apng"
                fh.seek(int.from_bytes(head[:4], "big") + 4, os.SEEK_CUR)
    except (OSError, ValueError):
        return None
    return None


def _pictures(p: Path) -> int:
    """How many pictures (1, or 2 for more) a picture demuxer finds in ``p``, from its packets:
    a raw MJPEG video opens as ``jpeg_pipe`` as a photo does."""
    import av

    n = 0
    try:
        with open_local(p) as c:
            for pkt in c.demux(video=0):
                n += bool(pkt.size)
                if n > 1:
                    break
    except (av.error.FFmpegError, OSError, ValueError):
        pass
    return n


def _head(p: Path, n: int) -> bytes:
    """The first ``n`` bytes of ``p`` (fewer in a shorter file; none if it cannot be read)."""
    try:
        with open(p, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


#: the openings of the text FFmpeg reads as a video (an HLS playlist, an ffconcat list, an SDP
#: description, a DASH manifest): one it cannot read is said by FFmpeg's reason, not as text
_TEXT_VIDEO_STARTS = (b"#EXTM3U", b"ffconcat version", b"v=0", b"<?xml", b"<MPD")


def _text_input(p: Path) -> bool:
    """Whether the file ``p``, which FFmpeg could not read as a video, is text (notes, a list):
    said so, as `livecut image` says it (see :func:`livecut.imageio.text_head`); not a playlist
    FFmpeg reads as a video (:data:`_TEXT_VIDEO_STARTS`: an HLS playlist whose segments are gone,
    an ffconcat list naming a file not there were 'a text file, not a video')."""
    from livecut.imageio import text_head

    head = _head(p, 4097)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_TEXT_VIDEO_STARTS):
        return False
    return text_head(head[:4096], len(head) <= 4096)


def _avif_still(p: Path) -> bool:
    """Whether ``p`` is an AVIF still picture: its brands name AVIF, not an image sequence
    ('avis', an animated AVIF: a video, beside the still picture it also holds)."""
    from livecut.imageio import _ftyp_brands

    brands = _ftyp_brands(_head(p, 64))
    return b"avif" in brands and b"avis" not in brands


def open_local(p):
    """A local file ``p`` opened for reading by PyAV, with the demuxer FFmpeg's probe would miss
    (:func:`demuxer`), its metadata's bad text ignored."""
    import av

    return av.open(file_for_ffmpeg(p), "r", format=demuxer(p), metadata_errors="ignore")


def _avif_sequence(p: Path) -> bool:
    """Whether ``p`` is an animated AVIF (brand 'avis'), which holds its still picture beside."""
    from livecut.imageio import _ftyp_brands

    return b"avis" in _ftyp_brands(_head(p, 64))


def _moov(p: Path, most: int, whole: bool) -> tuple[memoryview, int] | None:
    """The index (``moov`` box) of the MP4/MOV/HEIF file ``p``, as it is read, and where its
    own boxes begin in it; its first ``most`` bytes where it is longer (``whole``: None then,
    and where it runs past the file's end).  None where no such box is found among its first
    MAX_TOP_BOXES top-level boxes or the file cannot be read."""
    try:
        with open(p, "rb") as fh:
            end, pos = fh.seek(0, 2), 0
            for _ in range(MAX_TOP_BOXES):
                fh.seek(pos)
                head = fh.read(16)
                if len(head) < 8:
                    return None
                size, kind, inner = int.from_bytes(head[:4], "big"), head[4:8], 8
                if size == 1 and len(head) == 16:
                    size, inner = int.from_bytes(head[8:16], "big"), 16
                elif size == 0:
                    size = end - pos
                if size < inner:
                    return None
                if kind == b"moov":
                    if whole and (size > most or pos + size > end):
                        return None
                    fh.seek(pos)
                    return memoryview(fh.read(min(size, most))), inner
                pos += size
    except OSError:
        return None
    return None


#: the most of an animated AVIF's index (its ``moov`` box) read to find its alpha track
AVIF_MOOV_MAX = 16 << 20


def _avif_alpha_tracks(p: Path) -> set[int]:
    """The track IDs of an animated AVIF's alpha tracks: auxiliary video (handler ``auxv``) of
    the alpha kind (``urn:mpeg:mpegB:cicp:systems:auxiliary:alpha``), the transparency of the
    track it refers to (``tref``/``auxl``), which FFmpeg reads as a second video; empty where
    none is found."""
    from livecut.imageio import iso_boxes

    moov = _moov(p, AVIF_MOOV_MAX, whole=False)
    if moov is None:
        return set()
    b, inner = moov
    found = set()
    for kind, s, e in iso_boxes(b, inner, len(b)):
        if kind != b"trak":
            continue
        boxes = {k: (a, z) for k, a, z in iso_boxes(b, s, e)}
        mdia = boxes.get(b"mdia")
        hdlr = next(((a, z) for k, a, z in iso_boxes(b, *mdia) if k == b"hdlr"), None) if mdia else None
        tkhd = boxes.get(b"tkhd")
        if (hdlr is None or tkhd is None or bytes(b[hdlr[0] + 8:hdlr[0] + 12]) != b"auxv"
                or b"auxiliary:alpha" not in bytes(b[s:e])):
            continue
        at = tkhd[0] + (20 if b[tkhd[0]] == 1 else 12)  # (version 1: 64-bit times before the ID)
        found.add(int.from_bytes(b[at:at + 4], "big"))
    return found


#: the most of an MP4/MOV index (its ``moov`` box) read to compare its sample tables
#: (see :func:`_sample_tables`): a 10-hour 60 fps recording's stsz is 8.6 MB
MP4_MOOV_MAX = 64 << 20


def _sample_tables(p: Path, track_id: int) -> tuple[int, int, int | None] | None:
    """``(timed, sized, placed)``: the samples (frames) an MP4/MOV track ``track_id`` (its tkhd's
    ID, FFmpeg's stream id) has times for (its stts: the count FFmpeg gives as the stream's),
    sizes for (its stsz or stz2: the count of entries its box holds, where the count it states
    runs past it) and places in its chunks for (stsc over stco or co64; None where they cannot
    be read).  A sample without a size or a place cannot be found in the file: FFmpeg says
    'wrong sample count' in its log and reads those it can find, times or not.  None where the
    tables (or the index) cannot be read."""
    moov = _moov(p, MP4_MOOV_MAX, whole=True)
    if moov is None:
        return None
    b, inner = moov
    try:
        return _track_tables(b, inner, track_id)
    except (IndexError, ValueError):  # (a box too short for what it holds)
        return None


def _track_tables(b: memoryview, inner: int, track_id: int) -> tuple[int, int, int | None] | None:
    """:func:`_sample_tables` of an index ``b`` (its moov box, its boxes from ``inner``)."""
    from livecut.imageio import iso_boxes

    for kind, s, e in iso_boxes(b, inner, len(b)):
        if kind != b"trak":
            continue
        boxes = {k: (a, z) for k, a, z in iso_boxes(b, s, e)}
        tkhd = boxes.get(b"tkhd")
        if tkhd is None or tkhd[1] - tkhd[0] < 24:
            continue
        at = tkhd[0] + (20 if b[tkhd[0]] == 1 else 12)  # (version 1: 64-bit times before the ID)
        if at + 4 > tkhd[1] or int.from_bytes(b[at:at + 4], "big") != track_id:
            continue
        box = boxes.get(b"mdia")
        for want in (b"minf", b"stbl"):
            box = next(((a, z) for k, a, z in iso_boxes(b, *box) if k == want), None) if box else None
        tables = {k: (a, z) for k, a, z in iso_boxes(b, *box)} if box else {}
        stts, stsz = tables.get(b"stts"), tables.get(b"stsz") or tables.get(b"stz2")
        if stts is None or stsz is None or stts[1] - stts[0] < 8 or stsz[1] - stsz[0] < 12:
            return None
        a, z = stts
        entries = min(int.from_bytes(b[a + 4:a + 8], "big"), (z - a - 8) // 8)
        timed = sum(int.from_bytes(b[i:i + 4], "big") for i in range(a + 8, a + 8 + 8 * entries, 8))
        a, z = stsz
        count = int.from_bytes(b[a + 8:a + 12], "big")
        if b[a - 4:a].tobytes() == b"stz2":  # (compact: 4, 8 or 16 bits an entry)
            bits = b[a + 7]
            sized = min(count, (z - a - 12) * 8 // bits) if bits in (4, 8, 16) else count
        else:  # (one size for every sample, or an entry each)
            sized = count if int.from_bytes(b[a + 4:a + 8], "big") else min(count, (z - a - 12) // 4)
        stsc, stco = tables.get(b"stsc"), tables.get(b"stco") or tables.get(b"co64")
        placed = None
        if stsc is not None and stco is not None and stsc[1] - stsc[0] >= 8 and stco[1] - stco[0] >= 8:
            chunks = int.from_bytes(b[stco[0] + 4:stco[0] + 8], "big")
            a, z = stsc  # (first chunk, samples a chunk, description: to the next entry's first chunk)
            entries = min(int.from_bytes(b[a + 4:a + 8], "big"), (z - a - 8) // 12)
            runs = [(int.from_bytes(b[i:i + 4], "big"), int.from_bytes(b[i + 4:i + 8], "big"))
                    for i in range(a + 8, a + 8 + 12 * entries, 12)]
            ends = [first for first, _ in runs[1:]] + [chunks + 1]
            placed = sum(max(0, min(end, chunks + 1) - first) * n for (first, n), end in zip(runs, ends))
        return timed, sized, placed
    return None


def _heif_photo(p: Path) -> bool:
    """Whether ``p`` is a HEIC/HEIF photo (an iPhone's), not a HEIF image sequence (a track,
    major brand msf1 or hevc): FFmpeg opened it as a video of one stream per item, an iPhone
    photo's 48 tiles of 512x512, and cut the first tile as a video of one frame (exit 0)."""
    from livecut.imageio import _heif_picture

    try:
        with open(p, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return False
    return head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1") and _heif_picture(np.frombuffer(head, np.uint8))


def _written_by_ffmpeg(container) -> bool:
    """Whether FFmpeg's libavformat wrote ``container`` (its ENCODER tag, ``Lavf...``)."""
    tags = {str(k).lower(): str(v) for k, v in (getattr(container, "metadata", None) or {}).items()}
    return tags.get("encoder", "").startswith("Lavf")


def _duration_tag(stream) -> float | None:
    """A stream's ``DURATION`` tag (Matroska, WebM: ``HH:MM:SS.nnnnnnnnn``) in seconds, or None."""
    text = str((getattr(stream, "metadata", None) or {}).get("DURATION", "")).strip()
    parts = text.split(":")
    if len(parts) != 3:
        return None
    try:
        h, m, sec = int(parts[0]), int(parts[1]), float(parts[2])
    except ValueError:
        return None
    value = h * 3600 + m * 60 + sec
    return value if value > 0 and math.isfinite(value) else None


#: what a stream flagged default counts for, in pixels, when one video stream is picked
#: among several (as ffmpeg's: the largest picture, the default one by 5 megapixels)
DEFAULT_STREAM_BONUS = 5_000_000


def _flagged(stream, name: str) -> bool:
    """Whether ``stream``'s disposition has PyAV's flag ``name`` (default, attached_pic ...)."""
    import av

    flag = int(getattr(getattr(av.stream, "Disposition", None), name, 0))
    return bool(int(getattr(stream, "disposition", 0) or 0) & flag)


#: still-picture codecs: a track of one such picture, not flagged a cover, is cover art all the same
PICTURE_CODECS = frozenset({"mjpeg", "png", "bmp", "tiff", "webp", "jpeg2000", "jpegls", "qoi"})
#: how long (seconds) a track of a still-picture codec may last and still be one picture
PICTURE_SECONDS = 0.5


#: the frame count FFmpeg writes into an AVI's headers where it cannot go back to fill it in
#: (written to a pipe): AVI_MAX_RIFF_SIZE, 1 GiB -- no count, and no length either
AVI_NO_COUNT = 1 << 30


def length_unsaid(stream) -> bool:
    """Whether ``stream``'s header says nothing of its length: an AVI written to a pipe, its
    count :data:`AVI_NO_COUNT` (and its lengths FFmpeg's guesses from it, a 2 s clip's 50 min)."""
    fmt = getattr(getattr(getattr(stream, "container", None), "format", None), "name", None) or ""
    return stream.frames == AVI_NO_COUNT and fmt == "avi"


def frames_said(stream) -> int:
    """A stream's frame count as its header says it, or 0."""
    return 0 if length_unsaid(stream) else stream.frames


def _seconds(stream) -> float | None:
    """A stream's length (seconds) as its header says it, or None."""
    if length_unsaid(stream):
        return None
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    return _duration_tag(stream)


#: in how many packets, all streams together, a still-picture codec's track of a length said
#: (too long for one picture) is read past that length for a second picture (see
#: :func:`_one_packet`; more: not known, not a cover)
PICTURE_SCAN_PACKETS = 20_000
#: (file, size, time, stream index) -> whether that track holds one picture, read once a run
_ONE_PACKET: dict[tuple, bool] = {}


def cover_track(stream) -> bool:
    """Whether a video stream not flagged ``attached_pic`` is cover art all the same: one
    still picture (MJPEG, PNG ...), as the header says (one frame, or a length of at most a
    frame and a half at its rate, and at most :data:`PICTURE_SECONDS`) or, where it says no
    such length, as its packets do (:func:`_one_packet`).  FFmpeg writes a song's or a video's
    cover into Matroska so: with no length where it writes to a pipe, a length of a second
    from a picture read at -framerate 1."""
    cc = stream.codec_context
    if cc is None or cc.name not in PICTURE_CODECS or frames_said(stream) > 1:
        return False
    if frames_said(stream) == 1:
        return True
    if length_unsaid(stream):  # (an AVI written to a pipe: its count and lengths are none)
        return _one_packet(stream, None)
    tb = stream.time_base
    span = None
    if stream.duration is not None and tb:
        span = float(stream.duration * tb)
    else:  # (Matroska's DURATION tag: where the stream ends, counted from 0)
        end = _duration_tag(stream)
        if end is not None:
            span = end - (float(stream.start_time * tb) if stream.start_time is not None and tb else 0.0)
    rate = stream.guessed_rate or stream.base_rate
    if span is not None and span <= min(1.5 / float(rate) if rate else PICTURE_SECONDS, PICTURE_SECONDS):
        return True
    return _one_packet(stream, span)


def _one_packet(stream, span: float | None) -> bool:
    """Whether ``stream``'s track holds one picture, from its packets: its file read again
    (not a pipe) from the start, until a second picture of it, its end, or -- where its length
    ``span`` (seconds) is said -- the file's other streams past its first picture by that length
    and a second (False where that takes over :data:`PICTURE_SCAN_PACKETS` packets).  Where no
    length is said (None: written to a pipe, Matroska with no DURATION tags), no time is late
    enough (a slideshow's next picture may come minutes on): the track's own packets are read
    to a second picture or the file's end, the others skipped by the demuxer (a cover of 10 h of
    audio is judged in under a second, nothing decoded).  A moving MJPEG video shows its second
    picture within its first packets."""
    import av

    name = getattr(getattr(stream, "container", None), "name", None)
    try:
        st = os.stat(name)
    except (OSError, TypeError, ValueError):
        return False
    if not stat.S_ISREG(st.st_mode):  # (a pipe is not read twice)
        return False
    key = (os.path.abspath(name), st.st_size, st.st_mtime_ns, stream.index)
    if key in _ONE_PACKET:
        return _ONE_PACKET[key]
    # (a length said: read past it, a slideshow of a picture every 20 s in a minute's track was
    # taken for a cover after 15 s and refused, 'only a cover picture'; none said: read to the
    # end, it was so taken after 15 s of no second picture too)
    try:
        with open_local(name) as c:
            if span is None:
                one = _one_picture_to_the_end(c, stream.index)
            else:
                one = _one_picture_past(c, stream.index, span + 1.0)
    except (av.error.FFmpegError, OSError, ValueError):
        one = False
    if len(_ONE_PACKET) > 64:
        _ONE_PACKET.clear()
    _ONE_PACKET[key] = one
    return one


def _one_picture_to_the_end(c, index: int) -> bool:
    """Whether stream ``index`` of the open container ``c`` holds one picture, its packets
    alone read to the end of the file (the other streams' are skipped by the demuxer)."""
    import av

    for other in c.streams:
        if other.index != index:
            other.discard = av.stream.Discard.all
    pictures = 0
    for pkt in c.demux():
        if pkt.stream.index == index and pkt.size:
            pictures += 1
            if pictures > 1:
                return False
    return pictures == 1


def _one_picture_past(c, index: int, window: float) -> bool:
    """Whether stream ``index`` of the open container ``c`` holds one picture: none follows
    its first before the file's other streams are ``window`` seconds past it, or the file ends
    (False where that is not known in :data:`PICTURE_SCAN_PACKETS` packets)."""
    pictures, first = 0, None
    for i, pkt in enumerate(c.demux()):
        if i >= PICTURE_SCAN_PACKETS:
            return False
        when = pkt.dts if pkt.dts is not None else pkt.pts
        t = float(when * pkt.time_base) if when is not None and pkt.time_base else None
        if pkt.stream.index == index:
            if pkt.size:
                pictures += 1
                if pictures > 1:
                    return False
                first = t
        elif pictures and t is not None and first is not None and t > first + window:
            return True  # (the others well past it, and no second picture: none to come)
    return pictures == 1  # (the whole file read)


def one_picture(stream) -> bool:
    """Whether a video stream is known from the header to hold one picture (a cover track)."""
    return frames_said(stream) == 1 or cover_track(stream)


def video_streams(container) -> list:
    """The container's moving video streams, the one to cut first: a cover picture (a song's
    cover art, a "video" stream of one picture) is left out, and of several the one ffmpeg
    would take (:data:`DEFAULT_STREAM_BONUS`: the largest picture, a stream flagged default
    counting as 5 megapixels more; of equals, the first) leads -- but a track known to hold
    one picture (:func:`one_picture`) comes after those that move, as ffmpeg's would not."""
    moving = [v for v in container.streams.video if not _flagged(v, "attached_pic")]

    def score(v) -> int:
        cc = v.codec_context
        pixels = (cc.width or 0) * (cc.height or 0) if cc is not None else 0
        return pixels + DEFAULT_STREAM_BONUS * _flagged(v, "default")

    if len(moving) > 1:
        pictures = [v for v in moving if one_picture(v)]
        if len(pictures) < len(moving):
            moving = [v for v in moving if v not in pictures]
        else:
            pictures = []
        best = max(moving, key=score)  # (the first of equals)
        moving.remove(best)
        moving.insert(0, best)
        moving += pictures
    return moving


def _timeless(container) -> bool:
    """Whether ``container``'s format keeps no timestamps (a raw ``.h264``, ``.hevc`` stream)."""
    import av

    flags = int(getattr(getattr(container, "format", None), "flags", 0) or 0)
    return bool(flags & av.format.Flags.no_timestamps.value)


#: an average frame rate this many times the rate the stream states is not one (see frame_rate)
MAX_AVERAGE_OVER_STATED = 2


def frame_rate(stream) -> Fraction | None:
    """A video stream's frame rate: its average, or the rate it states (``guessed_rate``: the
    codec's, the demuxer's) where the average is not one -- FFmpeg's DV demuxer gives a raw
    ``.dv`` file's as the inverse of its time base (60000 fps for 29.97 or 25), and a raw
    stream's (``.h264``, ``.hevc``: frames without timestamps) is its demuxer's default, 25,
    whatever the rate its bitstream states (the frames were timed by it)."""
    avg, stated = stream.average_rate, stream.guessed_rate or stream.base_rate
    if _timeless(getattr(stream, "container", None)):
        return getattr(stream.codec_context, "framerate", None) or stated or avg
    if avg and stated and avg > MAX_AVERAGE_OVER_STATED * stated:
        return stated
    return avg or stated


#: packets of a video whose frame rate FFmpeg gives as its clock's (see _clock_rate) whose
#: times give it instead
RATE_PACKETS = 300


def _clock_rate(stream, rate: Fraction | None) -> bool:
    """Whether ``rate`` is no frame rate but the stream's clock (1 / its time base): FFmpeg
    states no average for a variable rate in Matroska with B-frames (its packets' decoding
    times unknown) and gives the finest rate its millisecond timestamps keep, 1000 fps."""
    tb = stream.time_base
    return bool(rate and tb and stream.average_rate is None and rate == 1 / tb and rate > 240)


def _packet_rate(path: Path, index: int) -> Fraction | None:
    """The average frame rate of the first RATE_PACKETS video packets of a file (read again),
    from their presentation times; None where they give none."""
    import av

    times = []
    try:
        if not Path(path).is_file():  # (a pipe is not read twice)
            return None
        with open_local(path) as c:
            s = c.streams[index]
            for p in c.demux(s):
                if p.size and p.pts is not None:
                    times.append(p.pts * s.time_base)
                    if len(times) >= RATE_PACKETS:
                        break
    except (av.error.FFmpegError, OSError, ValueError):
        return None
    if len(times) < 3 or max(times) <= min(times):
        return None
    return Fraction(len(times) - 1) / (max(times) - min(times))


#: seconds between two looks at the clock a paced frame is due on (see FileSource.pace_by)
PACE_SLICE = 0.05
#: demuxers of a playlist, whose packets' positions are in the files it names, not in its own
PLAYLIST_FORMATS = ("hls", "concat", "dash")
#: seconds a stream's timestamp may go back, in a format whose timestamps may jump, before it is a jump
DISCONT_BACK = Fraction(1, 10)
#: ... or go either way from where it was due (ffmpeg's -dts_delta_threshold)
DISCONT_DELTA = 10


class Timeline:
    """Timestamps made continuous where a format that lets them jump (MPEG-TS, MPEG-PS: FFmpeg's
    ``AVFMT_TS_DISCONT``) jumps: recordings joined end to end (``cat 00001.MTS 00002.MTS``), a
    recorder's clock reset.  As ffmpeg does: where a stream's timestamps go back by more than
    :data:`DISCONT_BACK` seconds, or away from where they were due by more than
    :data:`DISCONT_DELTA`, every stream's packets from there on are moved by one offset (the
    file's), so that the video runs on and the audio keeps its place beside it.  The source and
    the audio copy each read :attr:`streams` (the video and the audio: the same packets, in the
    same order) and ``mend`` every packet before using it, so they agree on the offsets."""

    def __init__(self, container, video):
        import av

        flags = int(getattr(container.format, "flags", 0) or 0)
        self.active = video is not None and bool(flags & av.format.Flags.ts_discont.value)
        #: the streams to read and mend (none when the format's timestamps do not jump)
        pids = programme_pids(container, video) if self.active else None
        self.streams = [video, *(a for a in container.streams.audio if pids is None or a.id in pids)] \
            if self.active else []
        #: seconds added to the timestamps from here on
        self.offset = Fraction(0)
        #: how many jumps were mended
        self.jumps = 0
        self._last: dict[int, Fraction] = {}  # per stream: the latest decoding time (mended), seconds
        self._step: dict[int, Fraction] = {}  # per stream: the interval of its packets

    def mend(self, packet) -> None:
        tb = packet.time_base
        if not self.active or not packet.size or tb is None:
            return
        raw = packet.dts if packet.dts is not None else packet.pts
        if raw is not None:
            i = packet.stream.index
            t = raw * tb + self.offset
            last = self._last.get(i)
            if last is not None:
                due = last + (packet.duration * tb if packet.duration else self._step.get(i, Fraction(0)))
                if t + DISCONT_BACK < last or abs(t - due) > DISCONT_DELTA:
                    self.offset += due - t
                    self.jumps += 1
                    t = due
                elif t > last:
                    self._step[i] = t - last
            if last is None or t > last:
                self._last[i] = t
        self.shift(packet)

    def shift(self, packet) -> None:
        """Move ``packet`` by the offset found so far, finding no jump in it (a sparse
        stream's, a subtitle's: its gaps are no jumps)."""
        tb = packet.time_base
        if not self.offset or tb is None:  # (no jump yet, or a format whose timestamps do not jump)
            return
        ticks = round(self.offset / tb)
        if ticks:
            if packet.pts is not None:
                packet.pts += ticks
            if packet.dts is not None:
                packet.dts += ticks


def decoder_threads(live: bool = False) -> dict:
    """Codec context attributes that set the decoder's threading: frame threading for files,
    slice threading (no added delay) for live sources."""
    return {"thread_type": "SLICE" if live else "AUTO"}


def _av_message(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '")[0].strip() or type(exc).__name__


#: the containers FFmpeg reads to their end without a sign of a cut (by its format name): the
#: check of a file of it cut short, and how the cut is said
CUT_SHORT_CHECKS = {
    "gif": (_gif_cut_short, "the GIF ends without its trailer"),
    "mpegts": (_ts_cut_short, "the MPEG-TS file ends in the middle of a packet"),
    "asf": (_asf_cut_short, "the ASF (WMV) file is shorter than its header states"),
    "mpeg": (_ps_cut_short, "the MPEG-PS file ends in the middle of a packet"),
    "ogg": (_ogg_cut_short, "the Ogg file ends in the middle of a page"),
    "dv": (_dv_cut_short, "the DV file ends in the middle of a frame"),
    "avi": (_avi_cut_short, "the AVI file ends in the middle of a chunk"),
    "flv": (_flv_cut_short, "the FLV stream ends in the middle of a tag"),
    "yuv4mpegpipe": (_y4m_cut_short, "the YUV4MPEG stream ends in the middle of a frame"),
}


def cut_short_reason(p: Path, fmt: str) -> str:
    """Why file ``p`` of FFmpeg's format ``fmt`` ends early though FFmpeg reads it to its end
    (:data:`CUT_SHORT_CHECKS`; a NUT's and a Matroska file's checks say it themselves), else ''."""
    if fmt == "nut":
        return _nut_cut_short(p)
    if fmt == "matroska,webm":
        return _mkv_cut_short(p)
    check, said = CUT_SHORT_CHECKS.get(fmt, (None, ""))
    return said if check is not None and check(p) else ""


def _written_suffix(suffix: str) -> str:
    """``suffix`` (a video's extension) where FFmpeg writes a format by it, else ``.mkv``: the
    output of an ``ffmpeg`` command the run suggests (FFmpeg reads a JVC camcorder's ``.MOD``
    and ``.TOD`` but writes neither, nor a name without an extension)."""
    import av

    ext = suffix[1:].lower()
    for name in av.formats_available if ext else ():
        try:
            if ext in av.format.ContainerFormat(name, "w").extensions:
                return suffix
        except ValueError:  # (an input format only)
            continue
    return ".mkv"


def check_present(path: str | os.PathLike) -> None:
    """Raise :class:`VideoOpenFailure` where the video file ``path`` is not there (said before
    the output is looked at: `livecut file nothere.mp4 -o out.mp4`, out.mp4 there, said to give
    --force, which then said that the input is missing)."""
    p = Path(path)
    try:
        there = p.exists()
    except OSError as exc:  # (a name too long for a file's: "internal error: OSError", exit 1)
        from livecut.atomic import lookup_reason

        raise VideoOpenFailure(f"{p}: {lookup_reason(exc)}") from None
    if not there:
        from livecut.urls import mistyped_url

        typo = mistyped_url(str(path))  # (rtsp:/USER:PASS@cam/live: "... no such file", its password shown)
        if typo:
            raise VideoOpenFailure(typo)
        scheme = url_scheme(str(path))
        if scheme:
            raise VideoOpenFailure(f"{redact_url(str(path))}: unsupported URL scheme {scheme}:// "
                                   f"(livecut reads {', '.join(s + '://' for s in INPUT_SCHEMES)})")
        from livecut.atomic import not_there

        raise VideoOpenFailure(f"{p}: {not_there(p, 'no such file')}" + (_sequence_hint(p) or _pattern_hint(p)))


class FileSource(ClosesWhileReading):
    """A video file read frame by frame; a context manager (closes the container).  ``close``
    is safe from another thread while ``read()`` waits (a dead network mount, a pipe whose
    writer stalls)."""

    #: the shortest side a frame may have (None: the engine's, MIN_SIDE; a background video's,
    #: scaled to cover the frame, any: see livecut.runner.BackgroundVideo)
    least_side: int | None = None
    #: a background video's (``-b video:``): a picture refused as a video is named for
    #: ``-b image:``, not for `livecut image` (which cuts photos, not backgrounds)
    background = False

    def __init__(self, path: str | Path, cfg: VideoConfig | None = None, *, live: bool = False,
                 loop: bool = False, pace: bool = False, alpha: bool = False):
        import av  # local: importing PyAV costs ~100 ms

        live, loop, pace, alpha = (check_flag(v, k, "open_source") for k, v in
                                   (("live", live), ("loop", loop), ("pace", pace), ("alpha", alpha)))
        self.path = Path(path)
        self.cfg = cfg or VideoConfig()
        self.live = live
        self.loop = loop
        self.pace = pace or live
        #: packets that could not be decoded (skipped)
        self.corrupt = 0
        #: frames before the first one decoded that could not be decoded (a clip cut between key
        #: frames, an open GOP: their references are not in the file), dropped by the decoder
        #: without an error: those presented before the first frame delivered
        self.lead_dropped = 0
        #: the frames :attr:`lead_dropped` counts were lost to damage, not to a cut: a packet before
        #: the first frame could not be decoded, or the demuxer flagged it corrupt (a clip cut
        #: between key frames gives neither: its decoder drops them in silence) -- those packets
        #: are counted among them (a key frame's data zeroed: 'the first 24 frames could not be
        #: decoded (the video starts between key frames ...)' of 25 lost, not called partial)
        self.lead_damaged = False
        #: frames before the first decoded one lost to a stretch of damaged data passed over (an
        #: MPEG-TS stream's packets zeroed just after its first video packet), not among
        #: :attr:`lead_dropped`, which counts the packets read: said with them, 'the video's first
        #: 50 frames' (see :meth:`_say_missing`); it was '29 of the video's 100 frames ... (damaged
        #: data in the middle, skipped)' and 'the video's first 21 frames', frames 29 to 49
        self.lead_unread = 0
        self._lead_skipped = False  # (such a stretch was passed over)
        self._lead_pts: list[int] | None = []  # (the packets' pts until the first frame)
        self._first_pts: int | None = None
        #: what read() delivers in Frame.image: "bgr24" (HxWx3), "bgra" (HxWx4: the video's
        #: own alpha, see :attr:`alpha`) or "yuv420p" (I420)
        self.pixel_format = "bgr24"
        #: the frames are BGRA, with the video's own alpha: asked for (``alpha=True``) and the
        #: video has one (known once the first frame is decoded)
        self.alpha = False
        self._want_alpha = alpha
        #: an animated AVIF's alpha track, read beside its colours (see :class:`_AlphaTrack`), else None
        self._alpha_track = None
        #: the decoder of a VP8/VP9 stream with alpha (libvpx), else None: the stream's own
        self._decoder = None
        #: optional :class:`livecut.stageclock.StageClock`: CPU time of decode and convert
        self.clock = None
        self._pool = FramePool(64)  # frames' buffers given back
        #: what the run's summary should say (a picture that changed size mid-run, as I420)
        self.warnings: list[str] = []
        #: what of the video could not be read, damaged data skipped ("25 of the video's 100
        #: frames"): said in the warnings, and by the run's last line, which called such an output
        #: whole (see :attr:`livecut.runner.Stats.partial`)
        self.partial: list[str] = []
        #: where a file with no index lost frames to damaged data before the first read (its
        #: opening clusters wiped, an MPEG-TS stream's first packets zeroed, where FFmpeg passes
        #: over them in silence), how many not known: ``(the first read, in seconds; why)``, said
        #: with the frames read then that could not be decoded (see :meth:`_say_damaged_start`)
        self.start_lost: tuple[float, str] | None = None
        #: the frames' pixel shapes against the first's, the output's (and the sizes fitted into it);
        #: a frame's, where it differs, by its pts (see _counted and _shape)
        self._shapes = PixelShapes()
        self._shape_of: dict = {}
        self._jumps_said = False  # (the warning of timestamps that jump: once)
        self._init_reading()
        self._woken = threading.Event()  # (set by close: a paced read waits no longer)
        self._index = 0
        self._container = None
        #: a note for the run's summary (a picture given as a video)
        self.note = ""
        p = self.path
        check_present(path)
        if p.is_dir():
            raise VideoOpenFailure(f"{p}: is a folder, not a video file" + _folder_hint(p))
        if not p.is_file():
            from livecut.atomic import open_file_named, special_kind

            try:
                kind = special_kind(p.stat().st_mode) or "a socket"
            except OSError:
                kind = "a socket"
            # (/dev/stdin with a video piped in, or a FIFO: the way that reads a pipe is said)
            piped = "; `livecut file -` reads a video piped in: livecut file - -o OUTPUT"
            fd = open_file_named(p)
            if fd == 0 and p.is_fifo():
                raise VideoOpenFailure(f"{p}: is standard input (a pipe), not a regular video file{piped}")
            if fd is not None and p.is_fifo():  # (<(...), /dev/fd/63: the shell's for this command only)
                raise VideoOpenFailure(f"{p}: is a pipe (file descriptor {fd}, as <(...) gives), not a regular "
                                       f"video file{piped}")
            raise VideoOpenFailure(f"{p}: is {kind}, not a regular video file"
                                   + (f"{piped} < {shlex.quote(str(p))}" if p.is_fifo() else ""))
        if p.stat().st_size == 0:
            raise VideoOpenFailure(f"{p}: the file is empty")
        _check_y4m_header(p, self.least_side)  # FFmpeg refuses an absurd y4m size with a misleading EBUSY
        if _heif_photo(p):
            use = (f"-b image:{shlex.quote(str(p))} puts it in as a picture" if self.background
                   else f"cut it with: livecut image {shlex.quote(str(p))}")
            raise VideoOpenFailure(f"{p}: a HEIC/HEIF photo, not a video (FFmpeg reads an iPhone photo's tiles as "
                                   f"separate pictures): {use}")
        try:
            self._container = open_local(p)
        except av.error.EOFError:
            if p.suffix.lower() == ".gif" and _head(p, 4) != b"GIF8":  # (text named .gif: no header)
                if _text_input(p):
                    raise VideoOpenFailure(f"{p}: a text file, not a video or image") from None
                raise VideoOpenFailure(f"{p}: not a readable video or image file (not a GIF)") from None
            raise VideoOpenFailure(f"{p}: the video has no frames (the file ends after its header)") from None
        except av.error.FFmpegError as exc:
            if _lacks_moov(p):  # (FFmpeg says "Invalid data found when processing input")
                raise VideoOpenFailure(f"{p}: the MP4/MOV file has no index (no 'moov' atom): most likely "
                                       "a recording that was cut short before it was finished") from None
            if isinstance(exc, av.error.InvalidDataError) and _text_input(p):
                # (notes.txt, a short one, was FFmpeg's "Invalid data found when processing input", as
                # a damaged video is; `livecut image notes.txt` says it is a text file; another
                # error -- a file an ffconcat list names not there -- is FFmpeg's reason)
                raise VideoOpenFailure(f"{p}: a text file, not a video") from None
            raise VideoOpenFailure(f"{p}: not a readable video file ({_av_message(exc)})") from None
        except OSError as exc:
            raise VideoOpenFailure(f"{p}: cannot open ({exc.strerror or exc})") from None
        fmt = self._container.format.name or ""
        if why := text_note(str(p), fmt):  # (a long .txt was cut as 640x400 ANSI-art frames, exit 0)
            self.close()
            raise VideoOpenFailure(why)
        #: why the file ends early when FFmpeg reads it to its end all the same ('' otherwise);
        #: :attr:`video_whole` (set by :meth:`shortfall`): the video was whole all the same
        self.cut_short = cut_short_reason(p, fmt)
        #: a NUT cut short states no length: the one FFmpeg gives is that of what is left, not said
        self._length_left = fmt == "nut" and bool(self.cut_short)
        self._runs_on = any(x.type in ("audio", "subtitle") for x in self._container.streams)  # (see shortfall)
        #: MPEG-TS/PS cut short: the stamps left are read at its end (see :meth:`_runs_past_video`)
        self._stamped_end = fmt in ("mpegts", "mpeg") and bool(self.cut_short)
        # (FFmpeg's demuxers of pictures; a pipe demuxer reads a stream of them too: raw MJPEG;
        # an AVIF still, which the MP4 demuxer reads: it was cut as a video of one frame without
        # the note, and one mirrored was given a video's advice, ffmpeg -i pic.avif ...)
        if fmt == "image2" or fmt.endswith("_pipe") and _pictures(p) == 1 or _avif_still(p):
            self.note = f"{p.name} is a picture, not a video: {PICTURE_ADVICE}"
            from livecut.imageio import picture_fault

            # (a JPEG cut short was written as one frame, its rest gray, exit 0: judged as
            # `livecut image` judges it, truncated, exit 2)
            if why := picture_fault(p):
                self.close()
                raise VideoOpenFailure(f"{p}: {why}")
        try:
            self._init_stream()
        except BaseException:
            self.close()
            raise

    def _init_stream(self) -> None:
        c = self._container
        # (a song's cover art is a "video" stream of one picture: not a video)
        moving = video_streams(c)
        if moving and c.streams.audio and all(map(cover_track, moving)):  # (a song remuxed to Matroska)
            moving = []
        if not moving:
            raise VideoOpenFailure(f"{self.path}: has no video stream"
                                   + (" (only a cover picture)" if c.streams.video else ""))
        s = moving[0]
        if not cover_track(s):  # (a cover picture beside the video is no second video: left out unsaid, as an MP4's)
            moving = [s] + [v for v in moving[1:] if not cover_track(v)]
        if len(moving) > 1 and not one_picture(s) and _avif_sequence(self.path):
            # (an animated AVIF holds its picture as a still too, a stream of one AV1 frame: each was
            # said to hold '2 video streams', the still 'one picture: cover art?' to extract and cut)
            moving = [s] + [v for v in moving[1:] if not one_picture(v)]
            # (and its transparency as a track of its own, an auxiliary video of gray frames: it was
            # said to be a second video, to extract and cut, its alpha not read; read beside the
            # colours, it is their alpha, as a WebM's is)
            alpha = _avif_alpha_tracks(self.path)
            tracks = [v for v in moving[1:] if v.id in alpha]
            if s.id not in alpha and tracks:
                moving = [s] + [v for v in moving[1:] if v.id not in alpha]
                if self._want_alpha:
                    import av

                    try:
                        self._alpha_track = _AlphaTrack(self.path, tracks[0].index)
                    except (av.error.FFmpegError, OSError, ValueError, IndexError):
                        self.warnings.append(f"{self.path.name}: an animated AVIF with transparency, an alpha "
                                             "track this FFmpeg cannot read: transparent parts are cut as the "
                                             "colours stored under them")
        if len(moving) > 1:
            moving = self._without_ghosts(c, moving)
        if len(moving) > 1:
            self.warnings.append(self._several_note(moving))
        if s.codec_context is None or s.codec_context.name is None:
            import numpy as np

            from livecut.imageio import _unread_type

            # (an SVG drawing, which FFmpeg's svg_pipe finds and PyAV's FFmpeg cannot decode, was
            # 'video codec not supported'; `livecut image` says what it is)
            other = _unread_type(np.frombuffer(_head(self.path, 4096), np.uint8), self.path)
            if other:
                use = "put that in with -b image:" if self.background else "cut that with `livecut image`"
                raise VideoOpenFailure(f"{self.path}: {other}, not a video, which livecut does not read; "
                                       f"{'export' if 'SVG' in other else 'save'} it as PNG first, and {use}")
            raise VideoOpenFailure(f"{self.path}: video codec not supported")
        for k, v in decoder_threads(self.live).items():
            setattr(s.codec_context, k, v)
        self._stream = s
        if self._want_alpha:
            self._decoder = self._alpha_decoder(s)
        w, h = s.codec_context.width, s.codec_context.height
        if not w or not h:
            # (FFmpeg's reading of an animated WebP: no size, no frame)
            head = _head(self.path, 12)
            if s.codec_context.name == "webp" and head[:4] == b"RIFF" and head[8:] == b"WEBP":
                first = (f"-b image:{shlex.quote(str(self.path))} puts in its first frame" if self.background
                         else "`livecut image` cuts its first frame")
                raise VideoOpenFailure(f"{self.path}: an animated WebP, which FFmpeg cannot decode as a video: "
                                       f"{first}; for every frame, convert it to a video first (e.g. magick IN.webp "
                                       "OUT.gif)")
            # (text named .png, .jpg or .m4v, read by the picture's or raw stream's demuxer its name
            # picks: it was "the video stream has no frame size")
            fmt = c.format.name or ""
            what = "video or image" if fmt == "image2" or fmt.endswith("_pipe") else "video"
            if _text_input(self.path):
                raise VideoOpenFailure(f"{self.path}: a text file, not a {what}")
            raise VideoOpenFailure(f"{self.path}: not a readable {what} file (FFmpeg finds no frame size in it)")
        check_frame_size(w, h, self.path, self.least_side)
        rate = frame_rate(s)
        clock = _clock_rate(s, rate)
        if clock:
            # (1000 fps for 1 s at 25 then 1 s at 30 in Matroska: 1967 frames expected, 'about
            # 1967 expected' for one cut short, and an .avi of 1000 ticks a second, 36 for a frame)
            rate = _packet_rate(self.path, s.index) or rate
        fps = float(rate) if rate else None
        tb = s.time_base or Fraction(1, 90000)
        duration = None
        #: the duration is the container's, which some formats (Matroska) count from 0, not
        #: from the video's start: then the end it gives is known only to within that start
        self._loose_end = False
        #: the video's own end is not known (the container's duration may be the audio's):
        #: a video that ends before it is not taken for a truncated file
        self._end_unknown = False
        tagged = _duration_tag(s)
        # (Matroska/WebM state a stream's length only in its DURATION tag: a length FFmpeg gives
        # the stream is the container's, filled in where it found no start for the video -- one
        # frame, a still picture beside a song: it was taken for 75 frames, the file for a
        # truncated one, exit 3, the song cut to the frame's 60 ms)
        unsaid = length_unsaid(s)  # (an AVI written to a pipe: 'the video ends early ... 50 frames written,
        # 1073741824 expected', exit 3, for a whole clip: its count was FFmpeg's stand-in, its length a guess)
        own = s.duration is not None and s.time_base and tagged is None and not unsaid
        if unsaid:
            pass  # (no length, nor the container's guess: none expected)
        elif own:
            duration = float(s.duration * s.time_base)
        elif tagged is not None:  # Matroska/WebM: the video's own end (from 0), in its DURATION tag
            duration = tagged
            self._loose_end = True
            self._tagged_end = True
        elif c.duration is not None:
            # (the container's: the longest stream's end, an audio track that runs on included)
            duration = c.duration / 1_000_000
            self._loose_end = True
            self._end_unknown = any(x is not s and x.type in ("audio", "video", "subtitle") for x in c.streams)
        span = duration
        if self._tagged_end and s.start_time is not None and 0 < s.start_time * tb < duration:
            # (FFmpeg's tag is where the video ends, from 0: one that starts late -- every stream
            # moved by AAC's priming, 21 ms -- was counted a frame more than it holds, and a file
            # cut in the audio after its video whole was 'the video ends early ... 25 frames
            # written, about 26 expected'; mkvmerge's is a length: the earlier of the two)
            span = duration - float(s.start_time * tb)
        frames = frames_said(s) or (int(round(span * fps)) if span and fps else None)
        self._frames_counted = bool(frames_said(s))  # (the container's count, not an estimate)
        #: an MP4/MOV whose index gives the sizes of fewer frames than it gives times for (its stsz
        #: damaged): (sized, timed), which FFmpeg reads the sized of; None otherwise
        self._unsized: tuple[int, int] | None = None
        if {"mov", "mp4"} & set((c.format.name or "").split(",")) and frames_said(s) and self.path.is_file():
            tables = _sample_tables(self.path, s.id)  # (a regular file's: a pipe's bytes are FFmpeg's)
            if tables and 0 < tables[1] < tables[0] and tables[2] == tables[1]:
                # (its timing table counting more than the sizes and the chunks agree on: the frames
                # the file holds were all read; it was said to lack the rest, its stsz blamed)
                frames = tables[1]
            elif tables and 0 < tables[1] < tables[0]:
                self._unsized = tables[1], tables[0]
            elif tables and frames == tables[0] < min(tables[1], tables[2] or 0):
                # (its timing table damaged, the frames it sizes and places read all the same: the
                # progress counted 50 of a file's 30, the summary its 50)
                frames = min(tables[1], tables[2] or 0)
        self._missing_said = False
        self._discarded = 0  # (packets an edit list leaves out: in the count, never shown)
        self._packets_read = 0  # (the video's packets with data: its frames that were there)
        self._video_pos = -1  # (where the last of the video's packets read lies in the file: see _zeroed_end)
        self._video_end = -1  # (where the video's data read ends in the file: see _fragments_unread)
        self._resumed = 0  # (times the demuxer choked or asked to be called again: damage)
        self._skipped = 0  # (stretches of the file its packets passed over, see _data_skipped)
        self._packets_end: int | None = None  # (where the last packet read ends in the file)
        self._first_pos: int | None = None  # (where the first packet read lies in the file)
        self._mp4 = "mp4" in (c.format.name or "").split(",")  # (see _fragments_unread)
        self._ts = (c.format.name or "") == "mpegts" and self.path.is_file()  # (see _passed_over)
        # (the ids of its uncompressed audio tracks, whose data may end in zeros, silence: an
        # MPEG-TS stream's PID; see _fragments_unread, _zeroed_end)
        # (a track FFmpeg cannot read has no codec context: not one of them -- it was "internal
        # error: AttributeError" for a file with such a track beside its AAC)
        names = {a.id: getattr(a.codec_context, "name", None) or "" for a in c.streams.audio}
        self._pcm_ids = {i for i, name in names.items() if name.startswith("pcm_") or name == "s302m"}
        # (the video packets' times in order, a few held to undo B-frames' reordering: whether the
        # steps between them are even, and the stretches of time a stretch of the file passed over
        # held, from the last time before it to the first after, see _time_next)
        self._times_held: list[int] = []
        self._time_last: int | None = None
        self._time_step: int | None = None
        self._time_first: int | None = None
        self._steps = [0, 0]  # (the steps' sum and count: their mean, a 1 ms clock's 33 and 34 for 29.97 fps)
        self._uneven = False
        self._stretches: list[list] = []
        pids = programme_pids(c, s)  # (an MPEG-TS of several programmes: the video's audio only)
        audio = [a for a in c.streams.audio if pids is None or a.id in pids]
        if pids is not None and len(audio) < len(c.streams.audio):
            out = [f"#{a.index}" for a in c.streams.audio if a not in audio]
            self.warnings.append(f"{self.path.name}: the audio of other programmes than the video's (stream"
                                 f"{'s' if len(out) > 1 else ''} {', '.join(out)}) is left out, as ffmpeg leaves it")
        self.info = SourceInfo(width=w, height=h, fps=fps, frames=frames or None, duration=duration,
                               time_base=tb, rotation=0, has_audio=bool(audio))
        sar = s.sample_aspect_ratio or getattr(s.codec_context, "sample_aspect_ratio", None)
        if sar and sar > 0 and sar != 1:
            self.info.sample_aspect = Fraction(sar)
        if s.base_rate:  # (a clock's is no frame rate: the estimate, see _clock_rate)
            # (a raw stream's frames have no times, nothing finer to keep than their rate: FFmpeg
            # states a raw .h264's as its field rate, twice that, which made an .avi of 60 ticks a
            # second for a 30 fps video, every other one empty, its last frame half as long)
            self.info.tick_fps = fps if clock or _timeless(c) else float(s.base_rate)
        self._rate = rate
        self._start = float(s.start_time * tb) if s.start_time is not None else 0.0
        # where the video and the audio begin, together, in the output: at 0
        starts = [float(x.start_time * x.time_base) for x in (s, *audio)
                  if x.start_time is not None and x.time_base]
        self.info.start = min(starts) if starts else 0.0
        if own and s.start_time is not None:  # (the stream's own)
            self.info.end = float((s.start_time + s.duration) * s.time_base) - self.info.start
        elif self._tagged_end and (not s.start_time or _written_by_ffmpeg(c)):
            # (Matroska's DURATION tag, where FFmpeg writes the video's end from 0 -- mkvmerge's, a
            # length, the same where the video starts at 0: the last frame's length where its
            # frames have none, a variable rate's in a 1000 fps clock -- a 61 s pause before its
            # last frames was 67.8 s, the last one the average frame's 6.8 s)
            self.info.end = duration - self.info.start
        self._say_wiped_start(c, s)
        self._last_end = 0.0
        #: AVI stores no presentation times, only the order frames are decoded in: a frame's
        #: time is its packet's (decoding) time, as FFmpeg's best effort takes it (see _pts)
        self._decode_times = (c.format.name or "") == "avi"
        #: why decoding stopped before the end, when it stopped on an error ('' otherwise)
        self.read_error = ""
        #: how a file that stops before its declared end runs on past it (set by :meth:`shortfall`:
        #: damaged data it could not read past, not a file cut short; '' otherwise)
        self.unread = ""
        self._timeline = Timeline(c, s)
        self._gen = self._decode()
        # peek at the first frame: rotation (display matrix) and "zero frames" are known now
        self._first = next(self._gen, None)
        if self._first is None:
            read = bool(self._lead_pts) or self.corrupt > 0  # (packets read, none of them decoded)
            lost = (_mp4_fragments_unread(self.path, s.id) if "mp4" in (c.format.name or "").split(",")
                    and not read and self.path.is_file() else None)
            if lost and lost[3]:
                # (a fragmented MP4's first fragment wiped, as ffmpeg writes one to a pipe: FFmpeg's
                # demuxer takes the box of zeros to run to the end and reads nothing past it -- it
                # was 'the video has no frames', of a stream of 100 whose last 50 are all there)
                where, size, n, frames = lost
                amount = f"{size / 1024:.0f} KB" if size < 10 << 20 else f"{size / (1 << 20):.0f} MB"
                raise VideoOpenFailure(
                    f"{self.path}: no frame of the video could be read: damaged data where its first fragment "
                    f"should begin ({amount} from byte {where}), which FFmpeg does not read past; the "
                    f"{'fragment' if n == 1 else f'{n} fragments'} after it, {frames} frame{'s' * (frames != 1)}, "
                    f"{'is' if n == 1 else 'are'} there but unread")
            raise VideoOpenFailure(f"{self.path}: the video has no frames" + (
                " that can be decoded (its video data is corrupt)" if read else ""))
        self._say_damaged_start(c)
        # (libvpx's frames lack what the container says: the rotation, the colour tags)
        described = self._first if self._decoder is None else self._native_first()
        self.info.rotation = int(getattr(described, "rotation", 0) or 0)
        if self.info.rotation % 90:
            # (it was refused as a setting of the user's: 'rotation 45: expected a multiple of 90
            # degrees', which named no video; a background video's was not turned at all)
            raise VideoOpenFailure(f"{self.path}: the video has a display rotation of {self.info.rotation} degrees; "
                                   "livecut turns a video by quarter turns only (0, 90, 180 or 270)")
        if _mirrored(described):
            # (its rotation alone was carried over: a picture flipped left to right was written
            # and shown upside down, one flipped top to bottom as stored)
            name, fixed = (shlex.quote(n) for n in (self.path.name, f"{self.path.stem}-upright{self.path.suffix or '.mkv'}"))
            if self.note:  # (a picture: its EXIF orientation, which `livecut image` shows as it is meant)
                how = "AVIF mirror property (imir)" if _avif_still(self.path) else "EXIF orientation"
                raise VideoOpenFailure(f"{self.path}: the picture's {how} mirrors it; livecut turns a "
                                       f"video but does not mirror it: livecut image {name} cuts it as shown "
                                       f"(-b image:{name} shows it as a background)")
            raise VideoOpenFailure(f"{self.path}: the video's display matrix mirrors it (as a front camera's can); "
                                   "livecut turns a video but does not mirror it: make it as shown first, "
                                   f"ffmpeg -i {name} -c:a copy {fixed}")
        read_description(self.info, described)  # (HD video that says BT.709)
        hdr = HDR_TRANSFERS.get(int(getattr(described, "color_trc", 0) or 0))
        if hdr:  # (said once: the picture is 8-bit from here on, its output still says PQ or HLG)
            if int(getattr(described, "color_primaries", 0) or 0) == BT2020_PRIMARIES:
                hdr += ", BT.2020"
            matrix = ("no matrix, as the video states none" if self.info.color_tags.get("colorspace") == UNSPECIFIED
                      else f"the {'BT.709' if self.info.matrix == 'bt709' else 'BT.601'} matrix")  # (as the output says)
            # (an HLG clip, a PQ one without HDR10's SEI, was said to lose metadata it never had)
            lost = " and ".join(_hdr_metadata(described))
            self.warnings.append(f"{self.path.name}: HDR video ({hdr}) is processed as 8-bit: the output keeps "
                                 f"its {hdr} tags (with {matrix}{f', not its {lost}' if lost else ''}); "
                                 "a mask, PNG frames and raw frames (-o - as NUT) have none")
        # (a camcorder's 1080i, DV, a TV recording: its fields woven into frames comb where it moves)
        field_order = int(getattr(s.codec_context, "field_order", 0) or 0)
        order = FIELD_ORDERS.get(field_order)
        flagged = bool(getattr(self._first, "interlaced_frame", False))
        #: bwdif's options (video.deinterlace), None when the frames are not deinterlaced
        self._bwdif = bwdif_options(self.cfg.deinterlace, flagged, field_order)
        #: the frames are deinterlaced (bwdif, video.deinterlace): see _deinterlaced
        self.deinterlaced = self._bwdif is not None
        if self.deinterlaced:
            self._gen = self._deinterlaced(self._gen, self._first)
            self._first = next(self._gen, None)
            if self._first is None:
                raise VideoOpenFailure(f"{self.path}: the video has no frames")
        elif self.cfg.deinterlace == "auto":
            self._field_order = field_order
            self._gen = self._once_flagged(self._gen)
        elif flagged:
            self._say_interlaced(f"interlaced video{f' ({order})' if order else ''}", "bwdif")
        else:  # (off, progressive at its start: an interlaced part later is said when it comes)
            self._gen = said_once_flagged(self._gen, lambda: self._say_interlaced(
                "interlaced video after its progressive start", "bwdif=deint=interlaced"))
        # (a VP9/VP8 stream that says it has alpha is read so whatever its first frame: libvpx
        # gives a frame without its alpha data, an opaque start spliced before, no alpha plane)
        if self._want_alpha and (has_alpha(self._first) or self._decoder is not None):
            self.alpha, self.pixel_format = True, "bgra"
        #: the decoder's pixel format (of the first frame)
        self.native_format = self._first.format.name
        #: full-range YUV (yuvj420p, or yuv420p that says so): read by swscale, which knows it
        self.full_range = (self.native_format.startswith("yuvj")
                           or int(getattr(self._first, "color_range", 0) or 0) == 2)
        #: a YUV matrix neither BT.601 nor BT.709 (BT.2020): only swscale reads it (OpenCV and
        #: the I420 path took it for BT.601: blues 12 levels off)
        self.other_matrix = int(getattr(self._first, "colorspace", 0) or 0) not in (*AS_BT601, 1)
        #: the frames as BGR, with their own matrix and range
        self._bgr = BgrReader()
        # (every frame waited for, however long its video holds the one before -- a screen
        # recording of a still screen, a slideshow: no jump guard, the timestamps of a format
        # whose timestamps jump are mended, see Timeline; a close wakes the wait)
        self._pacer = (Pacer(fps or 30.0, resync_after=0.25, sleep=self._woken.wait, max_wait=None)
                       if self.pace else None)

    def pace_by(self, clock) -> None:
        """Deliver the frames due on ``clock`` instead of the wall clock (a paced file): the
        runner's :meth:`~livecut.runner.Pipeline.play_clock`, which stands still while the run
        is paused, so that no frame is delivered during a pause (the frames delivered then
        were shown in a rush after it) and the file goes on at its own speed after it."""
        if self._pacer is not None:
            self._pacer.clock = clock
            self._pacer.slice = PACE_SLICE

    def _alpha_decoder(self, s):
        """A libvpx decoder for a VP8/VP9 stream that says it has alpha (``alpha_mode`` 1),
        else None; when this FFmpeg has none, :attr:`warnings` says the alpha is not read."""
        import av

        name = ALPHA_DECODERS.get(s.codec_context.name or "")
        # (a .webm's track says alpha_mode; one remuxed into .mkv, ffmpeg -c copy, its tag ALPHA_MODE)
        said = [v for k, v in (s.metadata or {}).items() if k.lower() == "alpha_mode"]
        if name is None or not said or str(said[0]).strip() != "1":
            return None
        try:
            dec = av.CodecContext.create(name, "r")
        except (av.error.FFmpegError, ValueError):
            self.warnings.append(f"{self.path.name}: its {s.codec_context.name.upper()} video has an alpha channel "
                                 f"that this FFmpeg cannot read (no {name} decoder): transparent parts are "
                                 "cut as the colours stored under them")
            return None
        for k, v in decoder_threads(self.live).items():
            setattr(dec, k, v)
        if not self.live:
            dec.thread_count = 0  # (libvpx's threads: one a core)
        return dec

    def _native_first(self):
        """The first frame of the video stream as the stream's own decoder gives it, with what
        the container says of it (rotation, colour tags; libvpx's frames lack them), or None."""
        import av

        try:
            with open_local(self.path) as c:
                return next(c.decode(c.streams[self._stream.index]), None)
        except (av.error.FFmpegError, OSError, ValueError, IndexError):
            return None

    def _without_ghosts(self, c, moving: list) -> list:
        """``moving`` without the video streams FFmpeg made of a Matroska file's header read
        again: where the data after its header is damaged (its opening clusters wiped), its
        demuxer goes back over the header and makes each track a second stream, one that holds
        no packet (no pixel format found) -- it was said 'has 2 video streams: ... #1 (320x240,
        4.0 s) is left out; to cut it, extract it first', of a file of one video track.  Only
        those past the video tracks its Tracks element declares, each a copy of the one cut
        (codec, size, its codec's private data), are so taken."""
        if "matroska" not in (c.format.name or "") or not self.path.is_file():
            return moving
        tracks = [v for v in c.streams.video if not _flagged(v, "attached_pic")]
        declared = _mkv_video_tracks(self.path)
        if declared is None or declared >= len(tracks):
            return moving
        s, cc = moving[0], moving[0].codec_context

        def copy(v) -> bool:
            o = v.codec_context
            return (o.pix_fmt is None and o.name == cc.name and (o.width, o.height) == (cc.width, cc.height)
                    and bytes(o.extradata or b"") == bytes(cc.extradata or b""))

        ghosts = [v for v in moving[1:] if copy(v)][:len(tracks) - declared]
        return [v for v in moving if v not in ghosts]

    def _say_wiped_start(self, c, s) -> None:
        """:attr:`warnings` and :attr:`partial` say the frames a Matroska file lost at its start
        to its opening clusters wiped (damaged data where its first cluster should begin: its
        demuxer passes over it to the next cluster it finds, and the video seemed to start
        there, its lost frames said nowhere, exit 0, the run's last line a whole video's), as
        its index (Cues) places its first frame (see :func:`_mkv_wiped_start`)."""
        fps = self.info.fps
        if (self.loop or not fps or "matroska" not in (c.format.name or "") or s.start_time is None
                or not self.path.is_file()):
            return
        first = self._start
        t0 = _mkv_wiped_start(self.path, list(c.streams.video).index(s))
        if t0 is None or t0 > first - 0.5 / fps:
            return
        n = int(round((first - t0) * fps))
        self._wiped_said = True
        whole = (self.info.frames or 0) + n
        what = f"{n} of the video's {whole} frames" if self.info.frames else f"the video's first {n} frames"
        self.partial.append(what)
        lost = f"the video's first {n} of its {whole}" if self.info.frames else f"the video's first {n}"
        self.warnings.append(f"{self.path.name}: {lost} frame{'s' if n > 1 else ''} could not be read (damaged data "
                             f"where its first clusters were, passed over: its index places its first frame at "
                             f"{t0:.1f} s, the first read at {first:.1f} s): the output lacks {'them' if n > 1 else 'it'}")

    _wiped_said = False

    def _say_damaged_start(self, c) -> None:
        """:attr:`start_lost` says damaged data before the first packet read of a file with no
        index to count the frames it held: a Matroska file's where its first cluster should
        begin (one written to a pipe has no Cues: see :meth:`_say_wiped_start` for one that
        has), an MPEG-TS stream's bytes that are no packets -- FFmpeg passes over both in
        silence, and the video seemed to start after them, exit 0, the run's last line a whole
        video's; the frames read then that could not be decoded (between key frames) were said
        to be a cut clip's."""
        if self.loop or self._wiped_said or not self.path.is_file():
            return
        kinds = set((c.format.name or "").split(","))
        if "matroska" in kinds:
            span = _mkv_damaged_head(self.path)
            if span is None or self._start <= 0:  # (a first frame read at 0 s lost none before it)
                return
            size, where = span[1] - span[0], "where its first clusters were"
            index = "it has no index (Cues), as one written to a pipe"
        elif "mpegts" in kinds and self._first_pos:
            size, where = _ts_unsynced(self.path, self._first_pos), "at its start"
            index = "MPEG-TS has no index"
            if size <= SKIPPED_DATA:
                return
        else:
            return
        amount = f"{size / 1024:.0f} KB" if size < 10 << 20 else f"{size / (1 << 20):.0f} MB"
        self.start_lost = (self._start, f"damaged data {where}, {amount}, passed over; {index}: "
                                        "how many frames it held is not known")
        self.lead_damaged = True  # (the frames read then that could not be decoded: lost to it too)

    def _several_note(self, moving: list) -> str:
        """What the summary says of a file with several video streams (``moving``, the one cut
        first): which is cut, which are left out, and how to cut another."""
        def describe(v) -> str:
            cc = v.codec_context
            what = [f"{cc.width}x{cc.height}"]
            seconds = _seconds(v)
            if seconds:
                what.append(f"{seconds:.1f} s")
            if _flagged(v, "default"):
                what.append("flagged default")
            if v is not moving[0] and one_picture(v):
                what.append("one picture: cover art?")
            return f"#{v.index} ({', '.join(what)})"

        s, others = moving[0], moving[1:]
        name = self.path.name
        # (of a TV multiplex, the audio of that one's programme: another's runs on a clock of its own)
        number = programme_number(self._container, others[0])
        audio = "" if number is None else f"p:{number}:"
        left = ", ".join(describe(v) for v in others)
        why = ("the largest picture that moves, preferring the one flagged default" if any(map(one_picture, others))
               else "the largest picture, preferring the one flagged default, as ffmpeg picks")
        return (f"{name} has {len(moving)} video streams: {describe(s)} is cut ({why}) and {left} "
                f"{'is' if len(others) == 1 else 'are'} left out; to cut "
                f"{'it' if len(others) == 1 else 'another'}, extract it first: "
                f"ffmpeg -i {shlex.quote(name)} -map 0:{others[0].index} -map '0:{audio}a?' -c copy "
                f"{shlex.quote(f'{self.path.stem}-{others[0].index}.mkv')}")  # (quoted: 'my clip.mkv')

    # one long-lived generator over the whole file: demux -> decode, skipping bad packets
    def _decode(self) -> Iterator:
        import av

        s = self._stream
        decode = s.decode if self._decoder is None else self._decoder.decode
        errors = again = 0
        while True:
            try:
                # (every stream's packets where no timeline is mended: where they leave a stretch
                # of the file unread is seen as they are read, see _data_skipped)
                for packet in self._container.demux(*self._timeline.streams):
                    again = 0
                    self._passed_over(packet)
                    self._timeline.mend(packet)
                    if packet.stream.index != s.index:  # (read to mend the timestamps alike)
                        continue
                    self._packets_read += packet.size > 0
                    if packet.size and packet.pos is not None:
                        self._video_pos = max(self._video_pos, packet.pos)
                        self._video_end = max(self._video_end, packet.pos + packet.size)
                    if packet.size and packet.pts is not None and not self.loop:
                        self._time_seen(packet.pts)
                    if self._timeline.jumps and not self._jumps_said:
                        self._jumps_said = True
                        self.warnings.append(f"{self.path.name}: its timestamps jump (recordings joined end "
                                             "to end, or a clock reset): made continuous, as ffmpeg does")
                    if packet.size and getattr(packet, "is_corrupt", False):
                        self._flagged += 1  # (damage seen, see _say_missing: a local HLS's segment missing after it)
                        self.lead_damaged |= self._lead_pts is not None
                        if self._cut_by_the_end(packet):
                            yield from self._counted(self._drained(decode))
                    try:
                        frames = decode(packet)  # packet.size == 0: flushes the decoder
                    except (av.error.InvalidDataError, av.error.PatchWelcomeError,
                            av.error.UndefinedError, ValueError) as exc:
                        self.corrupt += 1
                        errors += 1
                        lead = self._lead_pts
                        if lead is not None and packet.size:  # (damage before the first frame: its frame lost too)
                            self.lead_damaged = True
                            if packet.pts is not None and not getattr(packet, "is_discard", False):
                                lead.append(packet.pts)
                        if errors > MAX_CONSECUTIVE_ERRORS or self._index == 0 and errors > 50:
                            raise VideoOpenFailure(f"{self.path}: cannot decode the video "
                                                   f"({_av_message(exc)})") from None
                        continue
                    errors = 0
                    # (an edit list's pre-roll: decoded, not shown)
                    discard = packet.size and getattr(packet, "is_discard", False)
                    self._discarded += bool(discard)
                    lead = self._lead_pts
                    if lead is not None and packet.size and packet.pts is not None and not discard:
                        lead.append(packet.pts)
                    yield from self._counted(frames)
                return
            except (av.error.InvalidDataError, av.error.UndefinedError) as exc:
                # the demuxer itself choked: count it and resume from where it is
                self.corrupt += 1
                self._resumed += 1
                errors += 1
                if errors > MAX_CONSECUTIVE_ERRORS:
                    raise VideoOpenFailure(f"{self.path}: unreadable ({_av_message(exc)})") from None
            except av.error.BlockingIOError as exc:
                # "try again" (EAGAIN): MPEG-TS past a stretch of garbage or zeros, a damaged
                # recording's: it resumes where it is, as ffmpeg's does (the rest of the file
                # was given up as a read error, exit 3)
                again += 1
                self._resumed += 1
                if again > MAX_DEMUX_AGAIN:
                    self.read_error = _av_message(exc)
                    return
            except av.error.EOFError:
                return
            except (av.error.FFmpegError, OSError) as exc:  # an I/O error: the rest is unreadable
                self.read_error = _av_message(exc)
                return

    def _passed_over(self, packet) -> None:
        """Count ``packet`` among the stretches of the file passed over (:data:`SKIPPED_DATA`) where
        it lies past one after the last packet read (see :func:`_data_skipped`)."""
        pos = packet.pos
        if not packet.size or pos is None or pos < 0:
            return
        end = self._packets_end
        if end is not None and pos - end > SKIPPED_DATA:
            self._skipped += 1
            if self._lead_pts is not None and self._ts and _ts_unsynced(self.path, pos, end) > SKIPPED_DATA:
                # (damaged data before the first frame, an MPEG-TS stream's packets zeroed after its
                # first: the frames read after it that could not be decoded were said to be a cut
                # clip's, 'the video starts between key frames')
                self.lead_damaged = self._lead_skipped = True
            if not self.loop:  # (the times just before it in order, a B-frame's passed over among them)
                self._times_passed(steps=False)
                self._stretches.append([self._time_last, None])
        if end is None:
            self._first_pos = pos
        self._packets_end = pos + packet.size if end is None else max(end, pos + packet.size)

    #: video packets' times held to be put in order (B-frames' are sent before the frames they show after)
    TIMES_HELD = 16

    def _time_seen(self, pts: int) -> None:
        """A video packet's time, put in order among the last :data:`TIMES_HELD`."""
        heapq.heappush(self._times_held, pts)
        if len(self._times_held) > self.TIMES_HELD:
            self._time_next(heapq.heappop(self._times_held))

    def _times_passed(self, steps: bool = True) -> None:
        """The times held, all taken in order (at a stretch passed over, at the end)."""
        while self._times_held:
            self._time_next(heapq.heappop(self._times_held), steps)

    def _time_next(self, pts: int, steps: bool = True) -> None:
        """The next video packet's time in order: the end of a stretch passed over just before
        it, or a step between frames, uneven where it is not the first's (a tenth, 2 ticks)."""
        last = self._time_last
        if last is not None and pts <= last:
            return  # (a B-frame held back further than the times held: no step)
        self._time_last = pts
        if last is None:
            self._time_first = pts
            return
        if self._stretches and self._stretches[-1][1] is None:
            self._stretches[-1][1] = pts
            return
        step = pts - last
        if not steps:
            return
        self._steps[0] += step
        self._steps[1] += 1
        if self._time_step is None:
            self._time_step = step
        elif abs(step - self._time_step) > max(2, self._time_step // 10):
            self._uneven = True

    def _stretches_lost(self) -> list[tuple[float, float]]:
        """The stretches of time (seconds from the start) of the video that stretches of the
        file passed over held: longer than a frame's step."""
        self._times_passed()
        tb, step = self._stream.time_base, self._time_step or 0
        return [(float(a * tb) - self._start, float(b * tb) - self._start) for a, b in self._stretches
                if a is not None and b is not None and b - a > step]

    def _counted(self, frames) -> Iterator:
        """``frames`` as decoded, each counted (corrupt, the lead's: see :meth:`_count_lead`),
        their pixel shape noted where it is not the first frame's (see :meth:`_shape`)."""
        for f in frames:
            if getattr(f, "is_corrupt", False):
                self.corrupt += 1
            if f.pts is not None:
                self._count_lead(f.pts)
            shape = self._shapes.of(f, lambda: (self._decoder or self._stream.codec_context).sample_aspect_ratio)
            if shape != 1:
                self._shape_of[f.pts] = shape
            yield f if self._alpha_track is None else self._alpha_track.joined(f)

    def _cut_by_the_end(self, packet) -> bool:
        """Whether ``packet`` (flagged corrupt) is one the file's end cut: an MP4/MOV whose index,
        first (faststart), states more than is left.  Not a playlist's (a local HLS recording's:
        its packets' positions are in its segments, past the playlist's few bytes -- the last of
        a segment before one missing was taken for cut, the decoder flushed before it, and it
        and the frame after it lost)."""
        if self._container.format.name in PLAYLIST_FORMATS:
            return False
        try:
            return packet.pos is not None and packet.pos + packet.size >= self.path.stat().st_size
        except OSError:
            return False

    def _drained(self, decode) -> list:
        """The frames the decoder holds (for reordering: B-frames), taken before a packet the
        file's end cut is decoded: with frame threads, its failure threw them away (2 whole
        frames fewer than one thread gives); the decoder is then ready for more packets."""
        import av

        try:
            frames = decode(None)
        except (av.error.FFmpegError, ValueError):
            frames = []
        for f in frames:  # (a frame of the decoder's flush has no time base of its own: no time)
            f.time_base = self._stream.time_base
        (self._decoder or self._stream.codec_context).flush_buffers()
        return frames

    def _say_interlaced(self, what: str, bwdif: str) -> None:
        """Say in the warnings that ``what`` (interlaced video) is cut as woven frames
        (video.deinterlace off), and how to deinterlace it (ffmpeg's ``-vf`` ``bwdif``)."""
        # (a name without an extension, a piped input's copy, got none, and a JVC camcorder's
        # .MOD/.TOD one that FFmpeg reads but does not write: it cannot choose a format for
        # "piped-progressive" or "MOV001-progressive.MOD", and the command failed)
        name, fixed = (shlex.quote(n) for n in (self.path.name,
                                                f"{self.path.stem}-progressive{_written_suffix(self.path.suffix)}"))
        self.warnings.append(f"{self.path.name}: {what} is cut as whole frames and written as progressive video, "
                             "its two fields woven together (combing where it moves): --set video.deinterlace=auto "
                             f"deinterlaces it, or ffmpeg -i {name} -vf {bwdif} -c:a copy {fixed}")

    def _deinterlaced(self, frames: Iterator, first=None) -> Iterator:
        """``first`` (when given), then ``frames``, deinterlaced with the options :attr:`_bwdif`
        holds (see :func:`livecut.deinterlace.deinterlaced`: a frame for a frame, each frame's
        colour tags and rotation with it)."""
        return deinterlaced(frames, self._bwdif, str(self.path), first=first, time_base=self._stream.time_base)

    def _once_flagged(self, frames: Iterator) -> Iterator:
        """``frames`` of a video progressive at its start, deinterlaced from a frame flagged
        interlaced on (see :func:`livecut.deinterlace.deinterlaced_once_flagged`)."""
        def started() -> None:
            self.deinterlaced, self._bwdif = True, bwdif_options("auto", True, self._field_order)

        return deinterlaced_once_flagged(frames, self._field_order, str(self.path),
                                         time_base=self._stream.time_base, started=started)

    #: video.deinterlace auto, the first frame progressive: the field order its stream states
    _field_order = 0

    def _count_lead(self, pts: int) -> None:
        """At the first frame decoded: the packets before it presented before it were dropped
        by the decoder (undecodable); a frame presented before it that comes later was not."""
        if self._lead_pts is not None:
            self.lead_dropped = sum(1 for p in self._lead_pts if p < pts)
            self._lead_pts, self._first_pts = None, pts
        elif self.lead_dropped and self._first_pts is not None and pts < self._first_pts:
            self.lead_dropped -= 1

    #: where the last frame delivered ends by its own length (its packet's: a GIF's last delay,
    #: a slideshow's last slide), in seconds on the frames' timeline; None where it has none
    last_end: float | None = None
    #: loop: seconds the passes before this one lasted, added to this pass's times, and the time
    #: (on the file's clock) of this pass's first frame
    _loop_offset = 0.0
    _pass_start: float | None = None
    _pass_end = 0.0
    #: the file was cut short after its video's end: only what runs on after it (audio) is cut
    video_whole = False
    #: the video's length is its own DURATION tag (Matroska, WebM), written with the file whole
    _tagged_end = False

    @property
    def frames_estimated(self) -> bool:
        """Whether :meth:`shortfall`'s frames expected are an estimate (from the duration and
        the frame rate: Matroska, MPEG-TS), not the container's own count."""
        return not self._frames_counted

    @property
    def frames_held(self) -> int | None:
        """Once read to its end: how many frames the video held, as far as is known -- the
        container's count less the frames an edit list leaves out (an MP4 cut with ``ffmpeg -ss
        ... -c copy``: its pre-roll, decoded, never shown), or those read where that count was an
        estimate; None for a looped file."""
        if self.loop:
            return None
        if self.frames_estimated or not self.info.frames:
            return self._index
        return self.info.frames - self._discarded

    #: video packets the demuxer flagged corrupt (see _say_missing)
    _flagged = 0

    def shortfall(self) -> tuple[int, int] | None:
        """``(frames read, frames expected)`` when decoding ended before the container's
        declared end (a truncated file, a read error); None when the file was read whole."""
        if self.loop:
            return None
        got = self._index
        expected = self.info.frames or 0
        if self.read_error or self.cut_short:
            # (cut where only another stream went on, audio that runs past the video: known only
            # from the video's own length, stated when the file was whole, not from what is left)
            self.video_whole = bool(not self.read_error and expected and got >= expected and self._runs_on
                                    and (self._tagged_end or self._stamped_end and self._runs_past_video()))
            return got, got if self._length_left else max(expected, got)
        if not expected or got >= expected - max(2, expected // 50):
            if self._fragments_unread():  # (its count FFmpeg's of the fragments it read)
                return got, got  # (how many the damaged ones held is not known: "more expected")
            if self._zeroed_end(got, expected):  # (an MPEG-TS file's end wiped: it was silent, exit 0)
                return got, got if self._ts else expected
            if self._unsized and got < expected and not self._missing_said:
                # (a frame or two short of the count its index gives times for: written, exit 0,
                # unsaid, as a whole file's result; the run's last line says it partial, as it
                # does of damaged data skipped)
                self._missing_said = True
                self.partial.append(f"{expected - got} of the video's {expected} frames")
                self.warnings.append(f"{self.path.name}: {expected - got} of the video's {expected} frames could not "
                                     f"be read (its index is damaged: its sample-size table, stsz, gives the sizes "
                                     f"of {self._unsized[0]} frames only): the output lacks "
                                     f"{'it' if expected - got == 1 else 'them'}")
            return None
        if self._fragments_unread():
            # (the damage began inside a fragment's data, its frames read as corrupt packets: it was
            # '21 of the video's 50 frames could not be read (damaged data in the middle, skipped)',
            # exit 0, of a stream of 100 whose fourth fragment, 25 frames, is there unread)
            return got, got
        if self._zeroed_end(got, expected):
            # (an MP4's end wiped, its index at its start: it was '31 of the video's 100 frames could
            # not be read (damaged data in the middle, skipped)', partial, exit 0; an MPEG-TS file's,
            # its frames there not known: "more expected")
            if self._ts:
                self._say_missing(got, expected, before_zeros=True)
            return got, got if self._ts else expected
        # few frames but they reach the declared end: skipped corrupt packets, not truncation
        if self.info.duration and self.info.fps:
            end = self._start + self.info.duration
            if self._loose_end:  # (counted from 0 or from the start: the earlier of the two)
                end = min(end, self.info.duration)
            # (where the timestamps jumped, by the file's own: the declared end is on them)
            last_end = self._last_end - float(self._timeline.offset)
            if last_end >= end - 2.0 / self.info.fps or self._packets_reach(end):
                self._say_missing(got, expected)
                return None
        if self._end_unknown and self._others_reach_the_end():
            return None  # the container's end was an audio track's that runs on: the video is whole
        if self._decode_times and _avi_closed(self.path):
            # (its last frame held by empty entries, counted in its frames: 'the video ends early
            # (truncated?): 10 frames written, 19 expected', exit 3, of a whole file)
            self._say_missing(got, expected)
            return None
        self.unread = self._unread()
        if self._unsized:  # (said as a file cut short, of one of its full size: see above)
            self.unread = (f"{self.unread}; " if self.unread else "") + (
                f"its index is damaged, its sample-size table (stsz) giving the sizes of {self._unsized[0]} frames only")
        return got, expected

    #: what stopped the reading before the file's end, damaged data it does not read past, where
    #: that is known: said as why the video ends early (see :meth:`_fragments_unread`)
    damaged = ""

    def _fragments_unread(self) -> bool:
        """Whether the reading of a fragmented MP4 (as ffmpeg writes one to a pipe: it states no
        count of its frames) stopped at damaged data past its last packet read, with fragments
        after it (:func:`_mp4_fragments_unread`): FFmpeg's demuxer takes a box of zeros to run
        to the file's end, and the video seemed whole -- its rest lost without a word, exit 0;
        or at zeros that run to the file's end from inside the last box read, its last fragments
        wiped (:func:`_mp4_zeroed_end`).  :attr:`damaged` says it."""
        if not self._mp4 or not self.path.is_file():
            return False
        lost = _mp4_fragments_unread(self.path, self._stream.id)
        if not lost or not lost[3] or (self._packets_end or 0) > lost[0]:
            zeroed = _mp4_zeroed_end(self.path)
            if not zeroed or self._pcm_ids and zeroed[2] == b"mdat" and zeroed[0] >= self._video_end:
                # (zeros begun in a fragment's data after the video's, a PCM audio track's silence
                # as far as can be told, then zeros after the whole box: a preallocated file's;
                # it was 'the video ends early', exit 3, of a whole recording)
                return False
            # (its last fragments wiped to its end: it was exit 0, the fragments the zeros held lost
            # without a word, or the frames zeroed in the last one read said alone, 'damaged data
            # in the middle, skipped')
            where, size, _ = zeroed
            amount = f"{size / 1024:.0f} KB" if size < 10 << 20 else f"{size / (1 << 20):.0f} MB"
            self.damaged = (f"damaged data from byte {where} to the file's end, {amount} of zeros, which FFmpeg does "
                            "not read past: how many frames it held is not known")
            return True
        where, size, n, frames = lost
        amount = f"{size / 1024:.0f} KB" if size < 10 << 20 else f"{size / (1 << 20):.0f} MB"
        self.damaged = (f"damaged data at byte {where}, {amount}, which FFmpeg does not read past; the "
                        f"{'fragment' if n == 1 else f'{n} fragments'} after it, {frames} frame{'s' * (frames != 1)}, "
                        f"{'is' if n == 1 else 'are'} there but unread")
        return True

    def _zeroed_end(self, got: int, expected: int) -> bool:
        """Whether the file's end was wiped, zeros from inside its data to its end (a recording
        cut off by a crash, the file system's zeros where its last blocks were not written): an
        MP4's whose index, at its start (``-movflags +faststart``), places the video's last frames
        read in the zeros, frames lost (it was 'damaged data in the middle, skipped', partial,
        exit 0: FFmpeg reads the zeros as frames that cannot be decoded); an MPEG-TS file's whose
        packets stop at zeros where packets should be (:func:`_ts_zeroed_end`: it was silent, exit
        0, its frames there lost -- its length is its timestamps', those left).  :attr:`damaged`
        says it, how much is zeros."""
        if not self.path.is_file():
            return False
        if self._ts:
            zeroed = _ts_zeroed_end(self.path)
            known = ": how many frames it held is not known"
        elif self._mp4 and got < expected and self._video_pos >= 0:
            zeroed = _zeros_at_end(self.path)
            if zeroed and (zeroed[0] > self._video_pos or zeroed[1] <= MP4_BOX_ZEROS):
                zeroed = None  # (the video's last frame read is not in them: its audio's, or a box's end)
            known = ""
        else:
            return False
        if not zeroed:
            return False
        where, size = zeroed
        amount = f"{size / 1024:.0f} KB" if size < 10 << 20 else f"{size / (1 << 20):.0f} MB"
        self.damaged = f"damaged data from byte {where} to the file's end, {amount} of zeros{known}"
        return True

    def _packets_reach(self, end: float) -> bool:
        """Whether the video's packets read reach its declared ``end`` (seconds, on its clock):
        the file was read to its end though its last frames were not decoded (their data
        damaged, or B-frames whose references a stretch passed over held: it was 'the video ends
        early (truncated?)', exit 3, of a file of its full size, every packet read)."""
        self._times_passed()
        if self._time_last is None or not self.info.fps:
            return False
        last = float(self._time_last * self._stream.time_base) - float(self._timeline.offset)
        return last + 1.0 / self.info.fps >= end - 2.0 / self.info.fps

    def _unread(self) -> str:
        """'' or how much of the file past the video's last packet no packet (any stream) that
        could be read holds (over :data:`SKIPPED_DATA`): the file stopped early at damaged data
        -- a Matroska cluster's header wiped, whose demuxer reads no video past it -- though it
        runs on (it was 'the video ends early (truncated?)' of a file of its full size); a file
        cut short ends with its last packets.  The file is read again."""
        import av

        try:
            size = self.path.stat().st_size if self.path.is_file() else 0
            with open_local(self.path) as c:
                left = _unread_tail(c, size, self._stream.index) if size else 0
        except (av.error.FFmpegError, OSError, ValueError):
            return ""
        if left <= SKIPPED_DATA:
            return ""
        amount = f"{left / 1024:.0f} KB" if left < 10 << 20 else f"{left / (1 << 20):.0f} MB"
        return f"{amount} of the file after its last frame could not be read"

    def _runs_past_video(self) -> bool:
        """MPEG-TS/PS cut short: whether what is left of its other streams (FFmpeg's length of the
        file, from the last stamps left) runs on well past the video's own end.  Cut in the middle
        of the video, they stop with it (its packets are sent ahead of the audio's); cut in the
        audio that runs on after it, the video was whole: it was 'the video ends early ... more
        expected'.  One cut just after the video's end cannot be told: said as before."""
        c, info = self._container, self.info
        if not c.duration or not info.duration or self._loose_end:
            return False
        end = ((c.start_time or 0) + c.duration) / 1_000_000
        return end > self._start + info.duration + RUN_ON_PAST

    def _say_missing(self, got: int, expected: int, before_zeros: bool = False) -> None:
        """:attr:`warnings` says how many frames a file read to its end lacked (damaged data
        in the middle, skipped: the output lacks them; it said so only in the summary line, as
        a count of corrupt packets, one for a stretch of 31 frames), when the count is the
        file's own, or the format's rate is constant (MPEG-TS/PS), or the damage was seen in a
        video of constant rate; a variable rate's estimated count (Matroska) is no measure.
        An estimated count (MPEG-TS/PS too) is taken only where damage was seen: a corrupt
        packet or frame, the demuxer resuming, packets the decoder gave no frame for, a stretch
        of the file its packets leave unread (Matroska's demuxer passes over damage in silence)
        (a camera's or a DVR's recording whose rate drops in the dark is short of its estimate,
        undamaged).
        A counted file's frames are the packets read (AVI counts its empty entries, a variable
        rate's held frames, among them); an edit list's pre-roll (counted, never shown) is not
        missing."""
        # (an estimate whose every packet was read, no stretch of the file passed over: its frames
        # are those packets, counted; a variable rate's MKV, FFmpeg's stating its nominal rate as
        # the average, was '41 of the video's 100 frames' of one of 89 that lost 30)
        read_whole = not (self._frames_counted or self._timeline.active or self._skipped or self._resumed)
        if self._frames_counted or read_whole:
            expected = min(expected, self._packets_read) if self._frames_counted else self._packets_read
        expected -= self._discarded
        missing = expected - got - self.lead_dropped
        step = self._time_step
        if self._lead_skipped and step and self._first_pts is not None and self._time_first is not None:
            # (the frames from the first packet read to the first decoded, at the video's rate,
            # that are not among the packets read: lost at its start, not in the middle)
            self.lead_unread = max(0, min(missing, round((self._first_pts - self._time_first) / step)
                                          - self.lead_dropped))
            missing -= self.lead_unread
        if missing <= max(2, expected // 50) or self._missing_said or self._timeline.jumps:
            return  # (a file whose timestamps jump: its length says nothing of its frames)
        info = self.info  # (an estimate is a measure at a constant rate: its stated one the average)
        constant = bool(info.tick_fps and info.fps and abs(info.tick_fps - info.fps) <= 0.01 * info.fps)
        if not (self._frames_counted or self._timeline.active) and self._skipped:
            # (what a stretch passed over held is not known: a rate even where it was read may
            # pause in it, and the estimate, at the nominal rate, counts frames that never were --
            # '57 of the video's 100 frames' of one of 79 that lost 36)
            self._times_passed()
            undecoded = self._packets_read - self._discarded - self.lead_dropped - got
            if self._say_stretches(undecoded) or self._uneven:
                return
        damaged = bool(self.corrupt or self._resumed or self._flagged
                       or self._packets_read - self._discarded - self.lead_dropped > got)
        if not (self._frames_counted or read_whole or self._timeline.active and damaged
                or constant and (damaged or self._data_skipped())):
            return
        self._missing_said = True
        # (before an MPEG-TS file's wiped end: its count is of the frames before the zeros, those
        # in them not known)
        what = (f"{missing} of the {expected} frames before the zeros at its end" if before_zeros
                else f"{missing} of the video's {expected} frames")
        self.partial.append(what)
        self.warnings.append(f"{self.path.name}: {what} could not be read "
                             "(damaged data in the middle, skipped): the output lacks them")

    def _say_stretches(self, undecoded: int) -> bool:
        """:attr:`warnings` says the stretches of time a video whose frames are not counted
        (Matroska) lost to stretches of the file passed over (damaged data: its demuxer goes on
        to its next cluster in silence), its frames there not known: '78 of the video's 200
        frames' of a variable-rate file of 189 that lost 67, the estimate its nominal rate gives
        taken for a count.  Where its rate was even where it was read, the frames not read that
        rate gives it are said, as that: a pause in a stretch cannot be seen.  Frames read beside
        them that could not be decoded (B-frames whose references were lost) are counted.
        Whether any was said."""
        lost = self._stretches_lost()
        if not lost:
            return False
        self._missing_said = True
        self.partial.append(f"{sum(b - a for a, b in lost):.1f} s of the video")
        said = " and ".join(f"{b - a:.1f} s (from {a:.1f} s to {b:.1f} s)" for a, b in lost)
        one = len(lost) == 1
        total, steps = self._steps
        unread = 0
        if not self._uneven and total and self._time_first is not None:  # (from its first frame to its last)
            unread = round((self._time_last - self._time_first) * steps / total) + 1 - self._packets_read
        held = (f", {unread} frame{'s' if unread > 1 else ''} if the video's rate held "
                f"{'there' if one else 'in them'}") if unread > 0 else ""
        more = (f", and {undecoded} frame{'s' if undecoded > 1 else ''} read beside {'it' if one else 'them'} "
                "could not be decoded") if undecoded > 0 else ""
        self.warnings.append(f"{self.path.name}: {'a stretch' if one else 'stretches'} of {said} could not be "
                             f"read{held}{more} (damaged data in the middle, skipped): the output lacks "
                             f"{'them' if more else 'its frames' if one else 'their frames'}")
        return True

    def _data_skipped(self) -> bool:
        """Whether the file's packets (any stream) leave a stretch of it unread (see
        :func:`_data_skipped`): seen as they were read, or where only the timeline's were (MPEG-TS,
        MPEG-PS), the file is read again.  (It was read again in every case: a variable rate's
        Matroska, short of its estimate, undamaged, was read through twice, a big recording's
        whole length read again at its end.)"""
        import av

        if not self._timeline.active:
            return bool(self._skipped)
        try:
            with open_local(self.path) as c:
                return _data_skipped(c)
        except (av.error.FFmpegError, OSError, ValueError):
            return False

    def _others_reach_the_end(self) -> bool:
        """Whether the file's packets (any stream) reach the container's declared end: its
        last seconds are read again.  A complete file whose audio runs past its video does;
        a truncated one stops short of it."""
        import av

        try:
            with open_local(self.path) as c:
                if not c.duration:
                    return False
                dur = c.duration / 1_000_000
                start = (c.start_time or 0) / 1_000_000
                target = max(0.0, start + dur - END_WINDOW)
                # seek on a stream that runs to the end (the video may stop long before it:
                # a seek past its last packet lands at the end of the file, where nothing is left)
                others = [x for x in c.streams if x.type in ("audio", "subtitle") and x.time_base]
                if others:
                    c.seek(int(target / others[0].time_base), stream=others[0], backward=True, any_frame=True)
                else:
                    c.seek(int(target * 1_000_000), backward=True)
                end = _packets_end(c)
                if end == 0.0 and target > 0:  # (the seek gave nothing: read the file through)
                    c.seek(0)
                    end = _packets_end(c)
        except (av.error.FFmpegError, OSError, ValueError):
            return False
        # (Matroska counts its duration from 0, others from the start)
        return end >= min(dur, start + dur) - END_SLACK

    @property
    def can_yuv420p(self) -> bool:
        """Whether frames can be delivered as I420 without colour conversion: a yuv420p video,
        a 10- or 12-bit 4:2:0 one (HEVC Main 10, AV1, VP9 profile 2: brought to 8 bits as
        ``ffmpeg -pix_fmt yuv420p`` brings it, its dither included; through BGR it was ~0.3 of a
        level off that and ~7x the time a 1080p frame), or a 4:2:2 or 4:4:4 one (8 to 12 bits: ProRes 422 / 4444, DNxHR, H.264 High 4:2:2 /
        4:4:4, FFV1; made 4:2:0 as ``ffmpeg -pix_fmt yuv420p`` makes it, see :meth:`_to_i420`),
        of even width and height, limited range, BT.601 or BT.709, read as a file (not live)."""
        return ((self.native_format == "yuv420p" or self.native_format in HIGH_BIT_420 | YUV_422 | YUV_444)
                and not self.full_range and not self.live
                and not self.alpha and not self.other_matrix
                and self.info.width % 2 == 0 and self.info.height % 2 == 0)

    def use_pixel_format(self, fmt: str) -> None:
        """Deliver frames as ``"bgr24"`` (HxWx3) or ``"yuv420p"`` (I420; needs :attr:`can_yuv420p`)."""
        if fmt == "yuv420p" and not self.can_yuv420p:
            raise UsageError(f"{self.path}: frames are {self.native_format} "
                             f"{self.info.width}x{self.info.height}; cannot deliver them as I420")
        if fmt not in ("bgr24", "yuv420p"):
            raise UsageError(f"pixel format {fmt!r}: expected bgr24 or yuv420p")
        self.pixel_format = fmt
        self.alpha = False

    def release_frame(self, image: np.ndarray) -> None:
        """Give back a frame the caller is done with; its buffer is reused (I420 frames, and
        BGR ones: a BGR frame decoded was a new array each, a 720p frame's 2.8 MB; not BGRA)."""
        if self.pixel_format in ("yuv420p", "bgr24") and not self.alpha:
            self._pool.give(image)

    def _shape(self, f) -> Fraction:
        """How much wider frame ``f``'s pixels are than the first frame's, the output's (noted
        as it was decoded, see :class:`~livecut.sources.base.PixelShapes`)."""
        return self._shape_of.pop(f.pts, Fraction(1)) if self._shape_of else Fraction(1)

    def _note_fitted(self, f, shape: Fraction, w: int, h: int, bars: str = "black") -> None:
        """Say in :attr:`warnings`, once per size and pixel shape, that frame ``f`` was fitted."""
        self._shapes.note_fitted(self.warnings, f.width, f.height, shape, w, h, bars)

    def _to_i420(self, f) -> np.ndarray:
        """The frame's planes copied into one (H*3//2) x W buffer (Y, U, V).  A picture that
        changed size mid-stream, or the shape of its pixels, is scaled to fit with its shape kept,
        on black bars (it was stretched to the first size; an HD picture after an anamorphic SD
        one was squeezed into it by its pixels, shown 1.4 times as wide), and :attr:`warnings`
        says so once per size."""
        w, h = self.info.width, self.info.height
        buf = self._pool.take((h * 3 // 2, w))
        if buf is None:
            buf = np.empty((h * 3 // 2, w), np.uint8)
        shape = self._shape(f)
        # (a 10- or 12-bit frame converted otherwise than below -- fitted, read with another
        # matrix, brought to limited range -- is judged as its 8-bit twin converted so: swscale
        # dithers what it brings to 8 bits, and the dither's fine pattern read as detail)
        own = f
        high = f.format.name in HIGH_BIT_420 or f.format.name in HIGH_BIT_422_444
        f = self._of_output_matrix(f)
        if f.width != w or f.height != h or shape != 1:  # a change mid-stream
            return self._fit_i420(f, buf, w, h, shape, undithered_frame(own) if high else None)
        if high and (f is not own or int(getattr(f, "color_range", 0) or 0) == FULL_RANGE):
            self._engine_image = self._reformatted_i420(self._of_output_matrix(undithered_frame(own)), h, w)
        if f.format.name in HIGH_BIT_422_444 and int(getattr(f, "color_range", 0) or 0) != FULL_RANGE:
            # (the engine judges its planes shifted to 8 bits, rounded, without the dither of those
            # delivered, its chroma averaged to 4:2:0)
            self._engine_image = np.empty((h * 3 // 2, w), np.uint8)
            undithered_planes(f, self._engine_image)
        if f.format.name in YUV_444 and int(getattr(f, "color_range", 0) or 0) != FULL_RANGE:
            f = self._444_to_420(f)
        elif f.format.name in HIGH_BIT_420 and int(getattr(f, "color_range", 0) or 0) != FULL_RANGE:
            # (the engine judges its planes shifted to 8 bits, rounded, without the dither of
            # those delivered: its fine pattern read as detail over a flat background)
            self._engine_image = np.empty((h * 3 // 2, w), np.uint8)
            undithered_planes(f, self._engine_image)
            f = f.reformat(format="yuv420p", dst_color_range=LIMITED_RANGE, dst_colorspace=self._output_space(),
                           interpolation=self._bicubic())
        elif f.format.name != "yuv420p" or int(getattr(f, "color_range", 0) or 0) == FULL_RANGE:
            # (limited range, as I420 frames are read: a frame that came full range mid-stream,
            # yuvj420p or one that says so, was copied with its 0-255 levels, its contrast stretched.
            # 4:2:2 (10 and 12 bits dithered to 8) as ``ffmpeg -pix_fmt yuv420p`` makes it, its
            # chroma rows scaled bicubic: through BGR it was ~0.5 of a level off FFmpeg's, softer)
            return self._reformatted_i420(f, h, w, buf)
        for src, dst in zip(frame_planes(f, h, w), planes(buf, h, w)):
            dst[...] = src
        return buf

    def _reformatted_i420(self, f, h: int, w: int, buf: np.ndarray | None = None) -> np.ndarray:
        """Frame ``f`` (of the output's size) made limited-range I420 of the output's matrix by
        swscale (bicubic), into ``buf`` (else a new buffer)."""
        f = f.reformat(format="yuv420p", dst_color_range=LIMITED_RANGE, dst_colorspace=self._output_space(),
                       interpolation=self._bicubic())
        if buf is None:
            buf = np.empty((h * 3 // 2, w), np.uint8)
        for src, dst in zip(frame_planes(f, h, w), planes(buf, h, w)):
            dst[...] = src
        return buf

    def _fit_i420(self, f, buf: np.ndarray, w: int, h: int, shape: Fraction = Fraction(1), twin=None) -> np.ndarray:
        x, y, fw, fh = fitted_size(f.width * shape, f.height, w, h, even=True)
        self._note_fitted(f, shape, w, h)
        self._fit = (y, y + fh, x, x + fw)
        if twin is not None:  # (a 10- or 12-bit frame: the engine judges its 8-bit twin fitted so)
            self._engine_image = self._fitted_i420(self._of_output_matrix(twin), np.empty_like(buf), w, h,
                                                   (x, y, fw, fh))
        return self._fitted_i420(f, buf, w, h, (x, y, fw, fh))

    def _fitted_i420(self, f, buf: np.ndarray, w: int, h: int, where: tuple[int, int, int, int]) -> np.ndarray:
        """Frame ``f`` scaled to ``fw`` x ``fh`` at ``x``, ``y`` (``where``) of ``buf``, an I420
        frame of ``w`` x ``h``, on black bars."""
        x, y, fw, fh = where
        g = f.reformat(width=fw, height=fh, format="yuv420p", dst_color_range=LIMITED_RANGE,
                       dst_colorspace=self._output_space())
        by, bu, bv = planes(buf, h, w)
        by[...] = 16  # (limited-range black)
        bu[...] = 128
        bv[...] = 128
        sy, su, sv = frame_planes(g, fh, fw)
        by[y:y + fh, x:x + fw] = sy
        bu[y // 2:(y + fh) // 2, x // 2:(x + fw) // 2] = su
        bv[y // 2:(y + fh) // 2, x // 2:(x + fw) // 2] = sv
        return buf

    def _444_to_420(self, f):
        """A 4:4:4 frame made 4:2:0 by FFmpeg's scale filter (bicubic), as ``ffmpeg -pix_fmt
        yuv420p`` makes it: its chroma centred between the pixels it came from.  (reformat()
        sites it where the decoder says, left of them for H.264 and HEVC: 0.4-0.9 of a level
        off FFmpeg's on average; and it took 26 ms a 1080p 12-bit frame, the filter 6.)"""
        import av

        key = (f.format.name, f.width, f.height, int(getattr(f, "colorspace", 0) or 0),
               int(getattr(f, "color_range", 0) or 0))
        try:
            if self._scale_key != key:
                graph = av.filter.Graph()
                src = graph.add("buffer", f"video_size={f.width}x{f.height}:pix_fmt={f.format.name}:"
                                          f"time_base=1/25:pixel_aspect=1/1:colorspace={key[3]}:range={key[4]}")
                scale, fmt, sink = graph.add("scale", "flags=bicubic"), graph.add("format", "yuv420p"), \
                    graph.add("buffersink")
                src.link_to(scale)
                scale.link_to(fmt)
                fmt.link_to(sink)
                graph.configure()
                self._scale, self._scale_key = graph, key
            self._scale.push(f)
            return self._scale.pull()
        except (av.error.FFmpegError, ValueError):  # (swscale's own conversion, as 4:2:2's)
            self._scale = self._scale_key = None
            return f.reformat(format="yuv420p", dst_color_range=LIMITED_RANGE, dst_colorspace=self._output_space(),
                              interpolation=self._bicubic())

    #: the frame's image for the engine where it is not the one delivered (see Frame.engine_image)
    _engine_image: np.ndarray | None = None
    #: the scale filter graph of :meth:`_444_to_420` and what it was made for
    _scale = _scale_key = None
    #: where the frame being read was fitted onto bars, ``(y0, y1, x0, x1)`` (its Frame's ``fit``)
    _fit: tuple[int, int, int, int] | None = None

    @staticmethod
    def _bicubic():
        """swscale's bicubic scaling, ``ffmpeg``'s own (its default ``-sws_flags``)."""
        from av.video.reformatter import Interpolation

        return Interpolation.BICUBIC

    def _output_space(self):
        """The YUV matrix the I420 frames are read with (the first frame's, :attr:`info`'s), as
        reformat() takes it."""
        from av.video.reformatter import Colorspace

        return Colorspace.ITU709 if self.info.matrix == "bt709" else Colorspace.ITU601

    def _of_output_matrix(self, f):
        """``f``, or, where its YUV matrix is not the one the I420 frames are read with (the
        first frame's: a BT.709 part spliced after a BT.601 one, a TV recording's HD programme
        after its SD advert), its picture as BGR read with its own matrix, to be made I420 of
        that one.  (Copied as it was, it was read with the other: swscale converts no matrix
        between YUV formats.)"""
        space = int(getattr(f, "colorspace", 0) or 0)
        if (space == BT709) == (self.info.matrix == "bt709") and (space == BT709 or space in AS_BT601):
            return f
        import av

        return av.VideoFrame.from_ndarray(self._bgr(f), format="bgr24")

    def _to_bgr(self, f) -> np.ndarray:
        shape = self._shape(f)
        if shape != 1:  # (pixels of another shape than the output's: fitted here, see _to_i420)
            return self._fit_bgr(f, shape)
        if self.alpha:  # (the video's own alpha kept, as BGRA)
            return self._bgr.bgra(f)
        # (a 10- or 12-bit frame: the engine judges it undithered, see Frame.engine_image)
        self._engine_image = self._bgr.undithered(f)
        return self._bgr(f, self._pool.take((f.height, f.width, 3)))

    def _fit_bgr(self, f, shape: Fraction) -> np.ndarray:
        """Frame ``f``, whose pixels are not of the output's shape, as BGR (BGRA) at the output's
        size, scaled to fit with its shape kept, centred on black (transparent) bars.  (A frame
        of another size but of the output's pixels is fitted by the sink, see
        :class:`livecut.resize.Fitter`.)"""
        w, h = self.info.width, self.info.height
        img = self._bgr.bgra(f) if self.alpha else self._bgr(f)
        out = None if self.alpha else self._pool.take((h, w, 3))
        if out is None:
            out = np.empty((h, w) + img.shape[2:], np.uint8)
        x, y, fw, fh = fitted_size(f.width * shape, f.height, w, h)
        fit_onto_bars(img, out, (x, y, fw, fh))
        undithered = None if self.alpha else self._bgr.undithered(f)
        if undithered is not None:  # (a 10- or 12-bit frame: the engine judges it undithered, fitted so)
            self._engine_image = fit_onto_bars(undithered, np.empty_like(out), (x, y, fw, fh))
        self._note_fitted(f, shape, w, h, "transparent" if self.alpha else "black")
        self._fit = (y, y + fh, x, x + fw)
        return out

    def __reduce__(self):
        # (a process pool or joblib given the source: a bare TypeError from deep inside)
        refuse_pickle(f"{self.path}", "its path")

    def __enter__(self) -> "FileSource":
        if self._closed:  # (it read nothing, as at its end, without a word: a sink refuses as much)
            raise VideoOpenFailure(f"{self.path}: closed; a source is read once: open another "
                                   "(livecut.sources.open_source)")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_av_frame(self):
        if self._first is not None:
            f, self._first = self._first, None
            return f
        f = next(self._gen, None)
        if f is None and self.loop and self._index > 0:
            # (the next pass's times follow this one's end: they started again from 0, and a
            # sink given them wrote every frame after the first pass at the end of its video)
            if self._pass_start is not None:
                self._loop_offset += self._pass_end - self._pass_start
            self._pass_start = None
            self._container.seek(0)
            (self._stream.codec_context if self._decoder is None else self._decoder).flush_buffers()
            if self._alpha_track is not None:
                self._alpha_track.rewind()
            self._timeline = Timeline(self._container, self._stream)
            self._gen = self._decode()
            if self.deinterlaced:
                self._gen = self._deinterlaced(self._gen)
            elif self.cfg.deinterlace == "auto":
                self._gen = self._once_flagged(self._gen)
            f = next(self._gen, None)
        return f

    def read(self) -> Frame | None:
        """The next frame, or None at the end (or once closed)."""
        return super().read()

    def _read(self) -> Frame | None:
        if self._container is None or self._closed:
            return None
        clock = self.clock
        t = clock.now() if clock is not None else 0.0
        f = self._next_av_frame()
        if clock is not None:
            t = clock.add("decode", t)
        if f is None:
            return None
        pts = own = self._pts(f)
        if pts is not None:
            if self._pass_start is None:
                self._pass_start = pts
            pts += self._loop_offset  # (loop: after the passes before, see _next_av_frame)
        if self._pacer is not None:  # deliver each frame at its presentation time
            self._pacer.wait(pts)
            if self._closed:  # (closed while it waited)
                return None
        if own is not None:
            self._last_end = own + (1.0 / self.info.fps if self.info.fps else 0.0)
        length = getattr(f, "duration", None)
        self.last_end = (pts - self.info.start + float(length * f.time_base)
                         if pts is not None and length and length > 0 and f.time_base else None)
        if own is not None:  # (where this pass ends so far: by the frame's own length, a GIF's delay)
            self._pass_end = (own + float(length * f.time_base) if length and length > 0 and f.time_base
                              else self._last_end)
        if clock is not None:
            t = clock.now()  # (the pacer sleeps: no CPU, but keep the stages apart)
        self._fit = None  # (set where the frame is fitted onto bars)
        self._engine_image = None  # (set where the engine judges another image, see Frame.engine_image)
        img = self._to_i420(f) if self.pixel_format == "yuv420p" else self._to_bgr(f)
        if clock is not None:
            clock.add("convert_in", t)
        frame = Frame(image=img, index=self._index, pts=None if pts is None else pts - self.info.start,
                      captured_at=run_clock(), fit=self._fit, engine_image=self._engine_image)
        self._index += 1
        return frame

    def _stop_reading(self) -> None:
        self._woken.set()

    def _pts(self, f) -> float | None:
        """Frame ``f``'s presentation time (seconds, on the file's clock), None if unknown.  In
        AVI (:attr:`_decode_times`) it is the time of the packet that gave the frame, which
        runs on in the order the decoder gives frames; the frames the decoder gives at the end
        (none has a packet) follow a frame apart.  (FFmpeg guesses an AVI packet's presentation
        time as its decoding time plus a tick: with B-frames, H.264 in AVI, the decoder gave
        them reordered, going back and forth, and the output's first frame lasted three frames,
        the others a frame late; FFmpeg's best effort is the packet's time.)"""
        if not f.time_base:
            return None
        if self._decode_times:
            if f.dts is not None:
                return float(f.dts * f.time_base)
            return self._last_end if self._index else None
        return float(f.pts * f.time_base) if f.pts is not None else None

    def _release(self) -> None:
        c, self._container = self._container, None
        if c is not None:
            gen = getattr(self, "_gen", None)
            if gen is not None:
                gen.close()
            c.close()
        track, self._alpha_track = getattr(self, "_alpha_track", None), None
        if track is not None:
            track.close()


#: an animated AVIF's colour formats (8 bits; 10 and 12 brought to 8) and what they are with its alpha
_WITH_ALPHA = {"yuv420p": "yuva420p", "yuv422p": "yuva422p", "yuv444p": "yuva444p"}


class _AlphaTrack:
    """An animated AVIF's alpha track (auxiliary video of gray frames, see :func:`_avif_alpha_tracks`),
    read from a second opening of the file beside its colour track (a file may store every
    alpha frame before the first colour one: one demuxer for both held them all), each colour
    frame joined with the alpha frame of its time as yuva420p, as a WebM with alpha decodes."""

    def __init__(self, path: Path, index: int):
        self._c = open_local(path)
        try:
            self._s = self._c.streams[index]
        except IndexError:
            self._c.close()
            raise
        self._frames = self._c.decode(self._s)
        self._last = self._next = None

    def rewind(self) -> None:
        """Back to the start (a --loop pass)."""
        self._c.seek(0)
        self._s.codec_context.flush_buffers()
        self._frames = self._c.decode(self._s)
        self._last = self._next = None

    def _at(self, pts):
        """The alpha frame shown at ``pts`` (the last one at or before it), or None."""
        import av

        while True:
            if self._next is None:
                try:
                    self._next = next(self._frames, None)
                except (av.error.FFmpegError, ValueError):
                    self._next = None
                if self._next is None:
                    return self._last
            if pts is not None and self._next.pts is not None and self._next.pts > pts:
                return self._last
            self._last, self._next = self._next, None
            if pts is None or self._last.pts is None:  # (no times: frame for frame)
                return self._last

    def joined(self, f):
        """Colour frame ``f`` with its alpha (yuva420p, yuva422p or yuva444p, 8 bits); ``f`` itself
        where there is none that fits."""
        import av

        a = self._at(f.pts)
        base = next((b for b in _WITH_ALPHA if f.format.name.startswith(b)), None)
        if a is None or base is None or (a.width, a.height) != (f.width, f.height):
            return f
        # (10 or 12 bits: to 8, as the frames of a video without alpha are read)
        colours = f if f.format.name == base else f.reformat(format=base)
        alpha = a if a.format.name == "gray" else a.reformat(format="gray")
        out = av.VideoFrame(f.width, f.height, _WITH_ALPHA[base])
        for dst, src in zip(out.planes, (*colours.planes[:3], alpha.planes[0])):
            h, w = dst.height, dst.width
            np.frombuffer(dst, np.uint8).reshape(-1, dst.line_size)[:h, :w] = \
                np.frombuffer(src, np.uint8).reshape(-1, src.line_size)[:h, :w]
        out.pts = f.pts
        for k in ("time_base", "duration", "colorspace", "color_range"):
            v = getattr(f, k, None)
            try:
                if v is not None:  # (a frame of a file cut short: no time base)
                    setattr(out, k, v)
            except (AttributeError, TypeError, ValueError):
                pass
        return out

    def close(self) -> None:
        self._c.close()


def _mirrored(frame) -> bool:
    """Whether ``frame``'s display matrix (a video's, as FFmpeg gives it) mirrors the picture,
    turned or not: its 2x2 part turns the picture over (a negative determinant)."""
    try:
        _know_all_side_data()
        side = frame.side_data
        _keep_side_metadata(side)
        matrix = side.get("DISPLAYMATRIX")
        if matrix is None:
            return False
        a, b, _, c, d, *_ = np.frombuffer(bytes(matrix), dtype=np.int32, count=9).tolist()
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    return a * d - b * c < 0


#: HDR side data that the 8-bit output does not carry, as a warning names it
HDR_SIDE_DATA = {"MASTERING_DISPLAY_METADATA": "mastering-display metadata",
                 "CONTENT_LIGHT_LEVEL": "content light levels"}


def _hdr_metadata(frame) -> list[str]:
    """What of HDR10's static metadata ``frame`` (a video's first, as FFmpeg gives it: from the
    HEVC/AV1 stream or from the container) has: the names of :data:`HDR_SIDE_DATA` present."""
    try:
        _know_all_side_data()
        side = frame.side_data
        _keep_side_metadata(side)
        return [said for name, said in HDR_SIDE_DATA.items() if side.get(name) is not None]
    except (AttributeError, KeyError, TypeError, ValueError):
        return []


def _know_all_side_data() -> None:
    """Let PyAV name side data of a type it does not know (``av.sidedata.Type``) rather than fail.

    PyAV 18.1 names each entry of a frame's side data with its ``Type``, which lacks the types of
    its newer FFmpeg (8.1's EXIF, 31, that its PNG, JPEG, WebP and TIFF decoders attach to a
    picture with EXIF): ``frame.side_data`` raised ValueError part way, and the entries it had
    wrapped were collected with their metadata -- freed twice (see :func:`_keep_side_metadata`):
    `livecut file photo.png -o out.mp4` of a PNG with a colour profile and EXIF (a phone's, an
    editor's) died, Segmentation fault, exit 139; the display matrix (an EXIF orientation, as
    FFmpeg gives it) went unread, a mirrored one was written turned.  A type it lacks is named
    ``UNKNOWN_<n>`` (a value of ``Type`` made for it, not one of its members)."""
    from av.sidedata.sidedata import Type

    if "_missing_" in vars(Type):
        return

    def _missing_(cls, value):
        if not isinstance(value, int):
            return None
        other = object.__new__(cls)
        other._name_, other._value_ = f"UNKNOWN_{value}", value
        return other

    Type._missing_ = classmethod(_missing_)


def _keep_side_metadata(side) -> None:
    """Keep the metadata of a frame's side data (``frame.side_data``) from being freed twice.

    PyAV (18.1, and its main branch as of writing) wraps each entry's metadata in an
    ``av.dictionary.Dictionary`` that frees it when collected, and the frame frees it too: once
    a frame's side data had been looked at, a PNG's colour profile (to which FFmpeg gives its
    name as metadata) crashed the process when the frame was collected (a double free:
    `livecut file photo.png` wrote its output and summary, then Segmentation fault, exit 139).
    Such a dictionary (an attribute Python cannot read: found among the entry's references) is
    kept for the process's life, a reference of its own never given back (a few bytes a file),
    so that the frame alone frees what it holds."""
    import ctypes
    import gc

    from av.dictionary import Dictionary

    for entry in side:
        for held in gc.get_referents(entry):
            if isinstance(held, Dictionary) and len(held):  # (an empty one holds nothing to free)
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(held))


#: a name that stands for numbered pictures (FFmpeg's img%03d.png) or for many files (a glob)
SEQUENCE_NAME = re.compile(r"%0?\d*d|\*")


def _sequence_hint(p: Path) -> str:
    """What to do instead, for a missing file named like an image sequence (``img%03d.png``,
    ``'*.png'``): FFmpeg reads such a pattern, livecut reads a video (it was "no such file")."""
    from livecut.imageio import IMAGE_EXTS

    if not SEQUENCE_NAME.search(p.name) or p.suffix.lower() not in (*IMAGE_EXTS, ".exr", ".dpx"):
        return ""
    video = shlex.quote(str(p.parent / "sequence.mp4"))
    glob = "" if re.search(r"%0?\d*d", p.name) else "-pattern_type glob "
    return (f" (an image sequence is not read as a video: make one of it first, e.g. ffmpeg -framerate 25 "
            f"{glob}-i {shlex.quote(str(p))} -pix_fmt yuv420p {video}, or cut the pictures as photos: livecut image)")


def _folder_hint(p: Path, look: int = 1000) -> str:
    """What cuts what the folder ``p`` holds (``livecut file shoot/ -o out.mp4`` said "shoot: is a
    folder, not a video file" alone): its videos ``livecut batch``, its pictures ``livecut image``
    (of its first ``look`` entries: a huge folder is not listed whole)."""
    from itertools import islice

    from livecut.batch import VIDEO_EXTS
    from livecut.imageio import IMAGE_EXTS

    try:
        with os.scandir(p) as entries:
            suffixes = {os.path.splitext(e.name)[1].lower() for e in islice(entries, look)}
    except OSError:
        return ""
    if suffixes & set(VIDEO_EXTS):
        return f"; the videos in it are cut by livecut batch {shlex.quote(str(p))} -o OUTDIR"
    if suffixes & set(IMAGE_EXTS):
        return f"; the pictures in it are cut by livecut image {shlex.quote(str(p))} -o OUTDIR"
    return ""


def _pattern_hint(p: Path) -> str:
    """What a missing file named with ``*`` or ``?`` is (``livecut file '*.mov' -o out.mp4``, or
    unquoted where the shell found nothing to expand it to, said "no such file" alone): a
    pattern, which no file here matches, or whose files ``livecut batch`` cuts (a video is read
    by its name: it was "no such file" with the clips it matches there)."""
    import glob

    if not re.search(r"[*?]", p.name):
        return ""
    try:
        found = [f for f in glob.glob(str(p)) if os.path.isfile(f)]
    except (OSError, ValueError):
        found = []
    if not found:
        return " (a pattern, and no file here matches it)"
    if len(found) == 1:
        return f" (a pattern: one video is read, by its name: {shlex.quote(found[0])})"
    return (f" (a pattern: one video is read, by its name; for the {len(found)} files it matches, "
            f"livecut batch {shlex.quote(str(p))} -o DIR/)")


def _is_file_spec(spec: str) -> bool:
    return True


@register_source("file", _is_file_spec)
def open_file(spec: str, cfg: VideoConfig, *, live: bool = False, loop: bool = False, pace: bool = False,
              alpha: bool = False, **_: object) -> FileSource:
    return FileSource(spec, cfg, live=live, loop=loop, pace=pace, alpha=alpha)
