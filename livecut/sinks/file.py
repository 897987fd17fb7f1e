"""File sinks: a video file (PyAV) or a PNG sequence (``DIR/``).

Video files:

- ``.mp4`` / ``.m4v`` / ``.mkv`` / ``.mov`` / ``.avi``: ``video.codec`` (H.264 by
  default), yuv420p (ProRes 4:2:2, qtrle and png RGB: :func:`_yuv_format`), ``video.crf`` and
  ``video.preset`` (``video.crf`` a fixed quantiser for MPEG-4 Part 2, MJPEG, MPEG-1/2: :func:`qscale`);
- ``.mov`` with transparency: ProRes 4444 with alpha (yuva444p10le), or ``video.codec`` qtrle
  (argb) or png (rgba) (:data:`MOV_ALPHA_CODECS`; another set codec: a warning says so);
- ``.mkv`` with transparency: ``video.codec`` libvpx-vp9, libvpx or ffv1 only, yuva420p
  (:data:`MKV_ALPHA_CODECS`; another is refused);
- ``.webm``: VP9 (yuva420p with transparency); non-square pixels scaled to square (libvpx
  into Matroska, WebM or AVI cannot say their shape);
- ``--mode mask``: the alpha as the luma of a gray video.

A yuv420p video sink takes BGR (or gray) frames, or -- after
``use_pixel_format("yuv420p")`` -- I420 frames (``(H*3//2) x W`` uint8, Y then U
then V) that are copied into the encoder's frame as they are.

The source's time base and timestamps are kept (variable frame rate too), its
display rotation is written back, and its audio streams are copied packet by
packet, interleaved with the video as it is written.  An audio codec the output
container cannot hold (AAC into WebM, PCM into MP4) is transcoded instead:
Opus for ``.webm``, AAC for the others (:mod:`livecut.sinks.audio`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import shlex
import stat
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from livecut.atomic import (check_not_special, dangling_link, holds_earlier, io_reason, open_file_named,
                            raise_if_link_loop, write_reason)
from livecut.config import VideoConfig, named_keys
from livecut.errors import (FORCE, ArrayError, ConfigError, OutputExistsError, UsageError, VideoWriteError,
                            ffmpeg_text)
from livecut.frames import Upright
from livecut.composite import ToI420
from livecut.i420 import describe_bt709 as _describe, frame_planes, planes, rgb_pix_fmt
from livecut.imageio import iso_boxes
from livecut.resize import Fitter
from livecut.sinks import register_sink
from livecut.sinks.audio import AudioCopy, track_tags
from livecut.sinks.base import X264_MAX_SIDE, SinkInfo, check_frame, check_pts, fps_fraction, packed_frame
from livecut.urls import file_for_ffmpeg

VIDEO_EXTS = (".mp4", ".m4v", ".mkv", ".mov", ".avi", ".webm")
#: AVI's tick may be this many times finer than the average frame rate (each tick without a
#: frame costs an index entry)
AVI_TICK_MAX = 3.0
#: ... or any number of times, up to this rate (a recording with pauses, a screen recording's
#: still stretches: an average far below the rate its frames keep)
AVI_TICK_FPS = 120.0
#: an average frame rate this much above the rate a video states is not its rounding: the stated
#: rate is not the finest its frames keep (AVI_TICK_FPS is taken)
AVI_TICK_SLACK = 0.01
#: the most ticks a second an AVI's video is written on: FFmpeg's AVI muxer writes a finer one on
#: 1/600 s ticks, where frames fell on one ("write failed (Invalid argument)")
AVI_MAX_FPS = 1000
#: the most empty entries (ticks without a frame) FFmpeg's AVI muxer writes at once, before a
#: frame: a longer pause ("Too large number of skipped frames") failed the run
AVI_MAX_SKIP = 60000
#: frames put this many seconds or more after their time (their own taken by an earlier frame, on
#: an output of one frame a tick: AVI, MPEG-1/2) are said so at the end of the run
LATE_SAID = 0.1
#: the finest time base (ticks a second) a video is written on to hold both its source's ticks
#: and its frame rate's times (see VideoFileSink._grid)
GRID_MAX_TICKS = 1_000_000
#: the last frame lasts up to where the source's video ends when that is at most this many
#: (average) frames after it
MAX_LAST_FRAMES = 4
#: frame lengths kept for packets still to come out of the encoder (x264 holds ~40 frames)
MAX_PENDING_LENGTHS = 512
#: the most pixels a picture scaled to square pixels may have (see VideoFileSink: 8K)
MAX_SQUARE_PIXELS = 7680 * 4320
#: the speed presets x264 and x265 know
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow", "placebo")


def check_encoder(name: str, preset: str | None = None, pix_fmt: str | None = None) -> None:
    """Refuse (as bad input) a ``video.codec`` that is not a video encoder, that cannot take
    ``pix_fmt`` (the output's: yuv420p but for alpha outputs), or an unknown x264 preset."""
    import av

    try:
        codec = av.codec.Codec(name, "w")
    except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError):
        raise UsageError(f"video.codec {name!r}: no such encoder in this FFmpeg build "
                         "(e.g. libx264, libx265, libvpx-vp9, mpeg4)") from None
    if codec.type != "video":
        raise UsageError(f"video.codec {name!r}: is an {codec.type} encoder, not a video encoder")
    formats = [f.name for f in (getattr(codec, "video_formats", None) or [])]
    if pix_fmt is not None and formats and pix_fmt not in formats:
        raise UsageError(f"video.codec {name!r}: cannot encode {pix_fmt} (it takes {', '.join(formats[:4])}"
                         f"{' ...' if len(formats) > 4 else ''}); e.g. libx264, libx265, libvpx-vp9, mpeg4, mjpeg")
    if preset is not None and codec.name in ("libx264", "libx265") and preset not in X264_PRESETS:
        from livecut.config import preset_names

        # (preset = "quality" added at the end of a file lands in its [video], if that is its last
        # section: it was said to be no x264 preset, without the base preset the user meant)
        own = (f"; {preset!r} is a livecut preset: -c {preset}, or in a file preset = \"{preset}\" at its top, "
               "above every [section]" if preset in preset_names() else "")
        raise UsageError(f"video.preset {preset!r}: not an x264/x265 preset "
                         f"(one of {', '.join(X264_PRESETS)}){own}")


#: codecs a muxer takes as a stream but refuses when it writes the header, at the first frame
#: or at the close ("write failed (...)", exit 1; its reason only in FFmpeg's log): FFmpeg
#: writes VP9 and AV1 into MP4 only, not MOV, and has no MOV tag for VP8; its Matroska muxer
#: "does not yet support muxing" RealVideo 1 and 2
_HEADER_REFUSES = {".mov": ("vp8", "vp9", "av1"), ".mkv": ("rv10", "rv20")}
#: what a .webm output writes (video.codec libvpx or libvpx-vp9; any other is VP9 there)
WEBM_CODECS = ("vp8", "vp9")
#: codecs a muxer takes, header and all, in a pixel format it has no tag for, writing a file that
#: nothing decodes ("output file will be unreadable": FFmpeg's log only; it was exit 0): raw
#: video, yuv420p as every opaque output's (a transparent .mov is ProRes), into a .mov
_UNREADABLE = {".mov": {"rawvideo": "raw yuv420p video"}}


#: the frame sizes of encoders that take no other (FFmpeg's log alone said so: "write failed
#: (Invalid argument)")
_FIXED_SIZES = {"h263": "128x96, 176x144, 352x288, 704x576 or 1408x1152", "h261": "176x144 or 352x288"}
#: the longest side of encoders that refuse a longer one without saying why (x264: "Generic error
#: in an external library", exit 1, for a 20000x200 panorama)
_MAX_SIDES = {"libx264": X264_MAX_SIDE}


def open_encoder(stream, codec: str, where) -> None:
    """Open the encoder ``codec`` (``video.codec``, as written) of the video ``stream`` (its size,
    pixel format and options set), before its first frame would; a refusal is said: a hardware
    encoder whose device is missing, a size or setting it refuses (:class:`UsageError`), else
    ``where`` (the output) cannot be written."""
    import av

    from livecut.threads import keep_scheduling

    try:
        with keep_scheduling():  # (SVT-AV1 opened by root switched livecut to real time)
            stream.codec_context.open()
    except av.error.FFmpegError as exc:
        ctx = stream.codec_context
        encoder = av.codec.Codec(codec, "w")
        if encoder.capabilities & av.codec.codec.Capabilities.hardware:
            # a hardware encoder opens its device (a GPU, a VA-API or V4L2 node): one
            # missing is said so (it was "write failed (Operation not permitted)")
            raise VideoWriteError(f"{where}: encoder {codec!r} unavailable: a hardware encoder "
                                  f"whose device is missing or unusable here ({io_reason(exc)}); use libx264") from None
        most = _MAX_SIDES.get(encoder.name)
        if most is not None and max(ctx.width, ctx.height) > most:
            raise UsageError(f"video.codec {codec!r}: the encoder refuses {ctx.width}x{ctx.height} video (it "
                             f"takes at most {most} pixels a side); e.g. libvpx-vp9 or ffv1 (a .mkv)") from None
        if not isinstance(exc, ValueError):  # (not the settings': EINVAL is av's ArgumentError)
            raise _write_error(f"{where}: cannot open encoder {codec!r}", exc) from None
        # (a size the encoder does not have: H.263's 320x240)
        sizes = _FIXED_SIZES.get(encoder.name)
        raise UsageError(f"video.codec {codec!r}: the encoder refuses {ctx.width}x{ctx.height} "
                         f"{ctx.pix_fmt} video ({io_reason(exc)})"
                         + (f"; it takes {sizes} only" if sizes else "")
                         + "; e.g. libx264, libx265, libvpx-vp9, mpeg4") from None


#: the muxers of the video types a codec may be written into, asked in this order (see _holders)
MUXERS = {".mkv": "matroska", ".mov": "mov", ".mp4": "mp4", ".avi": "avi"}


def _holders(name: str) -> list[str]:
    """The video types (of :data:`MUXERS`) whose muxer takes codec ``name`` (said when the
    output's refuses it: utvideo only into .avi, where .mkv was suggested whatever it was)."""
    import io

    import av

    out = []
    canonical = av_codec_name(name)
    for ext, fmt in MUXERS.items():
        # (nor one that takes it as a stream and refuses it after: VP8 into .mp4 was sent to .mov)
        if canonical in _HEADER_REFUSES.get(ext, ()) or canonical in _UNREADABLE.get(ext, {}):
            continue
        try:
            with av.open(io.BytesIO(), "w", format=fmt) as c:
                c.add_stream(name)
            out.append(ext)
        except (ValueError, av.error.FFmpegError):
            pass
    return out


def _muxer_refuses(name: str, ext: str, exc: Exception) -> UsageError:
    """The error for codec ``name`` that the muxer of a file of type ``ext`` refused (``exc``)."""
    others = [e for e in _holders(name) if e != ext]
    return UsageError(f"video.codec {name!r}: a {ext} file cannot hold it ({exc}); "
                      + (f"write {' or '.join(others)}, or use libx264" if others else "use libx264"))


def check_container(name: str, ext: str) -> None:
    """Refuse (as bad input) a ``video.codec`` that a file of type ``ext`` cannot hold: one its
    muxer refuses as a stream (ProRes into .mp4, x265 into .avi: said at the first frame, after
    `livecut batch` had cut the photos, a camera was turned on or a stream waited for), or as
    a header (:data:`_HEADER_REFUSES`)."""
    import io

    import av

    fmt = {**MUXERS, ".m4v": "ipod"}.get(ext)  # (the muxers FFmpeg picks for these names)
    if fmt:
        with av.open(io.BytesIO(), "w", format=fmt) as probe:
            try:
                probe.add_stream(name)
            except ValueError as exc:  # (the muxer's refusal, as VideoFileSink.open meets it)
                raise _muxer_refuses(name, ext, exc) from None
            except av.error.FFmpegError:  # (the encoder's own trouble: the sink says it)
                pass
    canonical = av_codec_name(name)
    if canonical in _UNREADABLE.get(ext, {}):
        raise UsageError(f"video.codec {name!r}: a {ext} file cannot hold {_UNREADABLE[ext][canonical]}; "
                         "write .mkv or .avi, or use libx264")
    if canonical in _HEADER_REFUSES.get(ext, ()):
        others = [e for e in _holders(name) if e != ext] + ([".webm"] if canonical in WEBM_CODECS else [])
        raise UsageError(f"video.codec {name!r}: a {ext} file cannot hold {canonical.upper()}; "
                         + (f"write {' or '.join(others)}, or use libx264" if others else "use libx264"))


#: container tags a muxer writes of its own (the file's brand, the library that wrote it): not
#: carried from the source
MUXER_TAGS = frozenset({"major_brand", "minor_version", "compatible_brands", "encoder", "duration"})
#: a phone's own tags (location, make, model, software, creation date with its time zone):
#: MP4 and MOV hold them as QuickTime metadata keys only (``movflags=use_metadata_tags``)
APPLE_TAGS = "com.apple.quicktime."
#: an Android phone's (manufacturer, model, Android version, capture rate): the same kind of keys
PHONE_TAGS = (APPLE_TAGS, "com.android.")
QUICKTIME_EXTS = (".mp4", ".m4v", ".mov")
#: the codecs whose video says its pixels' aspect itself (H.264's and H.265's VUI, MPEG-4 Part 2's and
#: MPEG-2's headers): the only way non-square pixels reach a .mkv or .avi file, whose muxer PyAV
#: cannot give the stream's (others, libvpx, FFV1, ProRes, are scaled to square pixels there)
SAR_IN_VIDEO = frozenset({"h264", "hevc", "mpeg4", "mpeg2video"})
#: codecs whose frames FFmpeg's decoders read as BT.601 whatever the container says (JPEG's,
#: VP8's), and those that say their matrix in the video itself (AVI says none of the others')
BT601_ONLY = frozenset({"mjpeg", "vp8"})
MATRIX_IN_VIDEO = frozenset({"h264", "hevc", "mpeg2video", "vp9", "av1", "prores"})
#: lossless codecs that store 4:2:0 video of an odd width or height (its last chroma sample
#: covering one pixel), as 4:4:4 outputs store any: frames of an odd size keep every pixel
ODD_SIDES = frozenset({"ffv1"})
#: a timecode as FFmpeg reads it (hh:mm:ss, then the frames after ':', or after ';', '.' or ',' for
#: drop-frame); others it leaves out of .mov and .mp4 without a word
TIMECODE = re.compile(r"\d+:\d+:\d+([:;.,])\d+")
#: the most frames a second an MP4's or MOV's timecode track counts (FFmpeg refuses more at the
#: close: "fps 960 is too large")
TIMECODE_TRACK_MAX_FPS = 255
#: outputs that hold chapters
CHAPTER_EXTS = (".mp4", ".m4v", ".mov", ".mkv", ".webm")
#: outputs that hold attachments (a Matroska's fonts; WebM takes none)
ATTACHMENT_EXTS = (".mkv",)
#: outputs that hold a cover picture as an MP4 does (its covr, FFmpeg's stream flagged
#: attached_pic), of the codecs it takes from PyAV (.mov: FFmpeg writes none; .m4v, its iPod
#: muxer: PyAV gives it no picture codec)
COVER_EXTS = (".mp4",)
COVER_CODECS = frozenset({"mjpeg", "png"})


def _quicktime_key(key: str) -> str:
    """A tag's name as MP4 and MOV spell it (lower case; Apple's location key ends in ISO6709)
    when Matroska gave it in capitals, as it writes every tag."""
    if key.isupper():
        return key.lower().replace(APPLE_TAGS + "location.iso6709", APPLE_TAGS + "location.ISO6709")
    return key


#: a .mov track's handler (its 'hdlr' box) for each kind of stream FFmpeg writes (a subtitle's
#: is 'text' in a .mov, 'sbtl' in an .mp4)
MOV_HANDLERS = {b"vide": "video", b"soun": "audio", b"text": "subtitle", b"sbtl": "subtitle"}
#: the language FFmpeg writes into a .mov track whose language is not in QuickTime's own table
MOV_NO_LANGUAGE = 0x7FFF


def mov_languages(path: Path, streams: list[tuple[str, str]]) -> None:
    """Write each track's language into the .mov at ``path`` as its ISO 639-2 code (packed into
    the track's 'mdhd' box, as QuickTime takes it), where FFmpeg wrote none: it writes a .mov's
    language only as QuickTime's own code, from a table without Swedish ("sve"), Croatian or
    Serbian ("hr ", "sr ") in any standard form.  ``streams``: each output stream's type and
    language, in order; a track is found by its ID (a stream's index + 1) and its handler."""
    import mmap

    with open(path, "r+b") as fh, mmap.mmap(fh.fileno(), 0) as mm:
        b = memoryview(mm)
        try:
            _mov_languages(b, streams)
        finally:
            b.release()


def _mov_languages(b: memoryview, streams: list[tuple[str, str]]) -> None:
    """:func:`mov_languages` on the file's bytes ``b`` (writable: the file mapped)."""
    for kind, start, stop in iso_boxes(b, 0, len(b)):
        if kind != b"moov":
            continue
        for _, t0, t1 in (box for box in iso_boxes(b, start, stop) if box[0] == b"trak"):
            track, where = None, None
            for kind, at, until in iso_boxes(b, t0, t1):
                if kind == b"tkhd":
                    at += 20 if b[at] == 1 else 12  # (version 1: 64-bit times before the track ID)
                    track = int.from_bytes(b[at:at + 4], "big")
                elif kind == b"mdia":
                    media = {k: a for k, a, _ in iso_boxes(b, at, until)}
                    if b"mdhd" in media and b"hdlr" in media:
                        m, h = media[b"mdhd"], media[b"hdlr"]
                        where = (m + (32 if b[m] == 1 else 20), bytes(b[h + 8:h + 12]))
            if track is None or where is None or not 0 < track <= len(streams):
                continue
            kind, lang = streams[track - 1]
            if MOV_HANDLERS.get(where[1]) != kind or not re.fullmatch("[a-z]{3}", lang) or lang == "und":
                continue
            at = where[0]
            if int.from_bytes(b[at:at + 2], "big") == MOV_NO_LANGUAGE:
                code = sum((ord(c) - 0x60) << (10 - 5 * i) for i, c in enumerate(lang))
                b[at:at + 2] = code.to_bytes(2, "big")


def carry_source(container, stream, src: Path, ext: str, start: float, fps: float,
                 warnings: list[str], covers: list | None = None) -> list[dict]:
    """Give ``container`` (a ``ext`` output not yet begun) the tags of source file ``src`` --
    title, creation time, comment, a phone's location, make and model, as ``ffmpeg -map_metadata
    0 -movflags use_metadata_tags`` keeps them --, and its video ``stream`` the tags of the
    source's video stream (:func:`livecut.sinks.audio.track_tags`) and its timecode
    (:func:`_timecode`; a frame rate of ``fps``).  Returns the source's chapters the output
    keeps (:func:`_chapters`), to be set once its end is known (:func:`cut_chapters`).  A
    source that cannot be reopened leaves them out (the audio's copy says so).  ``covers``: the
    cover pictures an .mp4 output keeps, as (its stream, the picture's bytes), are appended to
    it, to be muxed before the file is closed (see :func:`_carry_covers`)."""
    import av

    from livecut.sources.file import video_streams

    try:
        inp = av.open(file_for_ffmpeg(src), "r", metadata_errors="ignore")
    except (av.error.FFmpegError, OSError):
        return []
    with inp:
        tags = {k: v for k, v in (inp.metadata or {}).items() if v and k.lower() not in MUXER_TAGS}
        moving = video_streams(inp)
        tc = _timecode(inp, moving[0] if moving else None)
        form = TIMECODE.fullmatch(tc.strip()) if tc else None
        if tc and form is None:
            warnings.append(f"timecode {tc[:40]!r}: not a timecode (hh:mm:ss:ff); left out")
            tc = None
        elif tc and ext == ".avi":
            warnings.append(f"timecode {tc}: a .avi file cannot hold it; left out (.mov, .mp4 and .mkv keep it)")
            tc = None
        elif tc and form.group(1) != ":" and round(fps) % 30:
            # (drop-frame timecode counts 30000/1001 fps or its multiples: FFmpeg left it out
            # of a .mov or .mp4 without a word)
            warnings.append(f"timecode {tc}: drop-frame, which {fps:.3f} fps cannot count; left out")
            tc = None
        elif tc and ext in QUICKTIME_EXTS and round(fps) > TIMECODE_TRACK_MAX_FPS:
            # (a high-speed camera's 960 fps: the file was cut whole, then 'finishing the file
            # failed (Invalid argument)', exit 1, nothing kept)
            warnings.append(f"timecode {tc}: a {ext} timecode track counts at most {TIMECODE_TRACK_MAX_FPS} frames "
                            f"a second, not {fps:.0f}; left out (.mkv keeps it)")
            tc = None
        if tc is None:  # (an MXF's is the file's: MP4 and MOV give it a timecode track as well)
            tags = {k: v for k, v in tags.items() if k.lower() != "timecode"}
        chapters = _chapters(inp, start)
        kept: list[dict] = []
        n, them = (f"{len(chapters)} chapters", "them") if len(chapters) > 1 else ("1 chapter", "it")
        if chapters and ext not in CHAPTER_EXTS:
            warnings.append(f"{n}: a {ext} file cannot hold {them}; left out (.mp4, .mov, .mkv and .webm "
                            "keep chapters)")
        elif chapters and tc and ext in QUICKTIME_EXTS and not inp.streams.audio:
            # (FFmpeg refers the video track to its timecode track only: the chapter track,
            # unreferred, is taken for a subtitle track, by QuickTime and FFmpeg alike)
            warnings.append(f"{n}: FFmpeg cannot write {them} beside the timecode in a {ext} file without "
                            "audio; left out (.mkv keeps both)")
        else:
            kept = chapters
        data = _data_tracks(inp)
        if data:
            # (a GoPro's telemetry, GPS and gyro, went without a word, where subtitles, chapters
            # or a timecode left out are said)
            warnings.append(f"{'data stream' if len(data) == 1 else 'data streams'} {', '.join(data)}: livecut "
                            "does not carry data streams over (a camera's telemetry, metadata); left out")
        _carry_attachments(container, inp, ext, warnings)
        _carry_covers(container, inp, ext, warnings, covers)
        if ext in QUICKTIME_EXTS:
            tags = {_quicktime_key(k): v for k, v in tags.items()}
            if any(k.startswith(PHONE_TAGS) for k in tags):
                container.container_options["movflags"] = "use_metadata_tags"
        container.metadata.update(tags)
        if moving:
            stream.metadata.update(track_tags(moving[0], ext))
        if tc and not any(k.lower() == "timecode" for k in tags):  # (MP4, MOV: a timecode track; Matroska: a tag)
            stream.metadata["timecode"] = tc
        if tc and ext == ".m4v":  # (FFmpeg's iPod muxer writes the track only when asked: it was left out)
            container.container_options["write_tmcd"] = "1"
    return kept


def cut_chapters(chapters: list[dict], end: float | None) -> list[dict]:
    """``chapters`` of an output that ends at ``end`` seconds (None: where the source ends): those
    that begin before it, ended there at the latest."""
    if end is None:
        return chapters
    out = []
    for ch in chapters:
        stop = int(round(end / ch["time_base"]))
        if ch["start"] < stop:
            out.append({**ch, "end": min(ch["end"], stop)})
    return out


def _timecode(inp, video) -> str | None:
    """The timecode of the source's first frame: the file's (MXF), its video stream's (a
    camera's or an editor's MOV reads it from the timecode track; Matroska's in capitals) or,
    of a file that gives it only there, its timecode track's (a data stream)."""
    streams = ([video] if video is not None else []) + [d for d in inp.streams if d.type == "data"]
    for tags in [inp.metadata] + [s.metadata for s in streams]:
        for k, v in (tags or {}).items():
            if k.lower() == "timecode" and v:
                return v
    return None


def _carry_attachments(container, inp, ext: str, warnings: list[str]) -> None:
    """The attachments of source container ``inp`` (a Matroska's fonts, which its ASS subtitles
    are drawn with), embedded into ``container`` where ``ext`` holds them, else said left out
    (they went without a word)."""
    attached = [a for a in inp.streams if a.type == "attachment" and a.data]
    if not attached:
        return
    names = [a.name or (a.metadata or {}).get("filename") or f"stream {a.index}" for a in attached]
    if ext in ATTACHMENT_EXTS:
        for a, name in zip(attached, names):
            container.add_attachment(name, a.mimetype or "application/octet-stream", bytes(a.data))
        return
    n, it = (f"{len(names)} attachments", "them") if len(names) > 1 else ("1 attachment", "it")
    warnings.append(f"{n} ({', '.join(names)}): a {ext} file cannot hold {it}; left out (.mkv keeps attachments)")


def _carry_covers(container, inp, ext: str, warnings: list[str], covers: list | None = None) -> None:
    """The cover pictures of source container ``inp`` (streams flagged attached_pic: an MP4's
    covr, a Matroska's picture attachment; and a video track of one still picture not so
    flagged, as FFmpeg writes a cover into Matroska: :func:`livecut.sources.file.cover_track`),
    embedded into ``container`` as Matroska keeps one (an attachment, its name and type kept,
    else cover.png or cover.jpg) where ``ext`` is .mkv, or as an MP4 does (its covr: a stream
    flagged attached_pic, its one packet appended to ``covers`` with the stream, to be muxed by
    the sink) where ``ext`` is .mp4 and the picture JPEG or PNG, else said left out (they went
    without a word).  FFmpeg writes no cover into a .mov, and its iPod muxer (.m4v) takes no
    picture codec from PyAV: those say it left out."""
    import av

    from livecut.sources.file import _flagged, cover_track, video_streams

    moving = video_streams(inp)
    for v in inp.streams.video:
        flagged = _flagged(v, "attached_pic")
        # (an unflagged one-picture track beside the video cut went from every output unsaid)
        if not flagged and (not moving or v is moving[0] or not cover_track(v)):
            continue
        codec = getattr(v.codec_context, "name", None) or "picture"
        what = f"stream {v.index}, {codec}" + ("" if flagged else ", a video track of one picture")
        if ext not in ATTACHMENT_EXTS + COVER_EXTS or ext in COVER_EXTS and covers is None:
            warnings.append(f"the cover picture ({what}): livecut keeps it only in an .mkv or .mp4 output; left out")
            continue
        if ext in COVER_EXTS and codec not in COVER_CODECS:
            warnings.append(f"the cover picture ({what}): a {ext} file's cover is a JPEG or PNG picture; left out "
                            "(.mkv keeps it)")
            continue
        try:
            data = bytes(next(inp.demux(v), None) or b"")
        except (av.error.FFmpegError, OSError):
            data = b""
        if not data:
            warnings.append(f"the cover picture ({what}): cannot be read; left out")
            continue
        if ext in COVER_EXTS:
            try:
                out = container.add_stream_from_template(v)
            except (ValueError, av.error.FFmpegError) as exc:
                warnings.append(f"the cover picture ({what}): {ffmpeg_text(exc)}; left out (.mkv keeps it)")
                continue
            out.disposition = int(av.stream.Disposition.attached_pic)
            out.metadata.clear()  # (a Matroska track's DURATION tag: no length of a cover's)
            covers.append((out, data))
            continue
        tags = v.metadata or {}
        kind = "jpeg" if codec == "mjpeg" else codec
        name = tags.get("filename") or f"cover.{'jpg' if kind == 'jpeg' else kind}"
        container.add_attachment(name, tags.get("mimetype") or f"image/{kind}", data)


def _data_tracks(inp) -> list[str]:
    """The data tracks of source container ``inp`` an output leaves out, each as its index and
    what names it (its handler's name: 'GoPro MET'; else its codec's): all but a timecode
    track (kept, see :func:`_timecode`) and an MP4's or MOV's chapter track (FFmpeg reads the
    chapters from it and leaves the stream discarded: the chapters are kept, or said)."""
    import av

    out = []
    for d in inp.streams:
        tags = d.metadata or {}
        if d.type != "data" or any(k.lower() == "timecode" for k in tags):
            continue
        if d.discard == av.stream.Discard.all and inp.chapters():
            continue
        name = tags.get("handler_name") or getattr(d.codec_context, "name", None) or getattr(d, "name", None)
        out.append(f"{d.index} ({name.strip()})" if name and name.strip() else str(d.index))
    return out


def _chapters(inp, start: float) -> list[dict]:
    """The chapters of source container ``inp`` on the output's timeline (``start`` seconds
    taken off, as off the video's timestamps); a chapter that ends before the output's 0 is
    left out, as is one without a time base (which no muxer can place)."""
    out = []
    for ch in inp.chapters():
        tb = ch["time_base"]
        if not tb:
            continue
        shift = int(round(start / tb))
        begin, end = max(0, ch["start"] - shift), ch["end"] - shift
        if end <= 0 and ch["end"] > ch["start"]:
            continue
        out.append({"id": len(out) + 1, "start": begin, "end": max(begin, end), "time_base": tb,
                    "metadata": dict(ch.get("metadata") or {})})
    return out


def _fixed_rate(name: str, fps: float | None) -> Fraction | None:
    """The frame rate an encoder that stores one of a list (MPEG-1/2) is given, as 1 / its time
    base (the input's was refused: "MPEG-1/2 does not support 1000/1 fps", "write failed",
    exit 1); None for the others, which keep the input's time base."""
    import av

    rates = av.codec.Codec(name, "w").frame_rates
    if not rates:
        return None
    rate = fps_fraction(fps)
    if rate not in rates:
        raise UsageError(f"video.codec {name!r}: cannot store {rate} fps (it takes "
                         f"{', '.join(str(Fraction(r.numerator, r.denominator)) for r in rates[:8])} ...); "
                         "use libx264")
    return rate


#: the bits a second of VC-2 is given (FFmpeg's default for its vc2 encoder)
VC2_BIT_RATE = 600_000_000


def av_codec_name(name: str) -> str:
    """The codec an encoder ``name`` writes (``dirac`` for ``vc2``, ``h264`` for ``libx264``)."""
    import av

    return av.codec.Codec(name, "w").canonical_name


def _encoder_name(name: str) -> str:
    """The encoder that ``name`` picks (``libvpx`` for ``vp8``, ``libx264`` for ``h264``), or
    ``name`` for one that is no encoder here (check_encoder says so)."""
    import av

    try:
        return av.codec.Codec(name, "w").name
    except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError):
        return name


def _codec_name(name: str) -> str:
    """:func:`av_codec_name`, or ``name`` for one that is no encoder here (check_encoder says so)."""
    import av

    try:
        return av_codec_name(name)
    except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError):
        return name


def rate_control(codec: str, frame_ticks: int) -> dict:
    """Codec context settings ``codec`` needs for frames ``frame_ticks`` ticks of its time base
    long: SMPTE VC-2 (video.codec vc2)'s rate control gives each frame bit rate x time base,
    where PyAV leaves the bit rate at 0 ("write failed (Invalid argument)"); a frame gets what
    FFmpeg's own default, 600 Mbit/s, gives it at the frame rate (on the input's 1/10240 base,
    600M made frames of a 1024th of that: all gray). {} for the others."""
    if av_codec_name(codec) == "dirac":
        return {"bit_rate": VC2_BIT_RATE * frame_ticks}
    return {}


#: the finest time base MPEG-4 Part 2 stores (its denominator in 16 bits: MPEG-TS's 1/90000 was
#: refused at the first frame, "write failed (Invalid argument)", exit 1)
MPEG4_MAX_TICKS = 65535


def _mpeg4_base(tb: Fraction) -> Fraction:
    """``tb``, or the finest base within :data:`MPEG4_MAX_TICKS` that is a whole number of its
    ticks (1/45000 for 1/90000), else 1 / MPEG4_MAX_TICKS (the frames' times rounded to it)."""
    if tb.denominator <= MPEG4_MAX_TICKS:
        return tb
    first = -(-tb.denominator // MPEG4_MAX_TICKS)
    for k in range(first, first + 1000):
        if (tb * k).denominator <= MPEG4_MAX_TICKS:
            return tb * k
    return Fraction(1, MPEG4_MAX_TICKS)


def _a_rate(fps: float) -> bool:
    """Whether ``fps`` is a frame rate a camera or an editor keeps (whole, a half, or NTSC's
    N * 1000/1001), not an average of a variable rate (26.55 fps)."""
    rate = _ntsc(fps_fraction(fps))
    return (rate * 2).denominator == 1 or rate.denominator == 1001


def _ntsc(rate: Fraction) -> Fraction:
    """``rate``, or the NTSC rate (N * 1000/1001) it is within 0.05 % of: FFmpeg guesses 59.94 fps
    from Matroska's milliseconds as 19001/317."""
    ntsc = Fraction(round(rate * Fraction(1001, 1000)) * 1000, 1001)
    return ntsc if ntsc and abs(rate - ntsc) < ntsc * Fraction(5, 10000) else rate


#: what a ProRes encoder writes (it takes no yuv420p): 4:2:2 10-bit, an editor's intermediate,
#: as ``ffmpeg -c:v prores_ks`` writes it.  (DNxHD's encoder is left out: it writes its frames
#: as BT.709 whatever they are, a BT.601 video's colours shifted)
YUV_FALLBACKS = {"prores": "yuv422p10le"}

#: what an encoder that takes no YUV writes an opaque video in (qtrle, png: RGB, every pixel kept)
RGB_FORMATS = ("rgb24", "bgr24")


def _yuv_format(name: str) -> str:
    """The pixel format an opaque video of encoder ``name`` is written in: yuv420p, or ProRes
    4:2:2 (:data:`YUV_FALLBACKS`; it was refused: "cannot encode yuv420p"), or RGB for an encoder
    that takes no YUV (:data:`RGB_FORMATS`: qtrle, png); yuv420p for an
    unknown encoder (check_encoder says so)."""
    import av

    try:
        codec = av.codec.Codec(name, "w")
        formats = [f.name for f in (codec.video_formats or [])]
    except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError):
        return "yuv420p"
    if not formats or "yuv420p" in formats:
        return "yuv420p"
    fallback = YUV_FALLBACKS.get(codec.canonical_name)
    # (an RGB encoder, QuickTime Animation or PNG in a .mov, was refused too: "cannot encode
    # yuv420p (it takes rgb24, ...)", though it keeps the frames' own colours)
    return fallback if fallback in formats else next((f for f in RGB_FORMATS if f in formats), "yuv420p")


#: the encoders whose CRF is a whole number, to which FFmpeg rounds a fraction without a word
#: (x264's and x265's is a real number: 18.5; other encoders take none)
WHOLE_CRF = ("libvpx", "libvpx-vp9", "libsvtav1", "libaom-av1")


def _crf_text(crf: float) -> str:
    """``video.crf`` as written: ``20``, not ``20.0``; ``18.5``; ``0.00001``, not Python's ``1e-05``
    (which has no point: a fraction that a whole-number encoder was given, rounded to 0, without a word)."""
    from decimal import Decimal

    return str(int(crf)) if float(crf).is_integer() else format(Decimal(repr(float(crf))), "f")


def crf_option(codec: str, cfg: VideoConfig) -> str:
    """The ``crf`` option of ``codec`` (options are strings): ``video.crf`` as written (``20``,
    ``18.5``); a fraction is refused for an encoder whose CRF is a whole number (:data:`WHOLE_CRF`,
    by its name or as FFmpeg resolves it: ``vp9``, ``av1``)."""
    text = _crf_text(cfg.crf)
    if "." in text:
        import av

        try:
            name = av.codec.Codec(codec, "w").name
        except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError):
            name = codec
        if codec in WHOLE_CRF or name in WHOLE_CRF:
            raise ConfigError(f"video.crf: {text} is not a whole number, as {name} takes it (x264 and x265 "
                              "take fractions)")
    return text


def _check_crf(codec: str, cfg: VideoConfig) -> None:
    """Refuse a ``video.crf`` above 51 for x265 (the key takes VP9's 0-63; x265 fails to open), below
    4 for VP8 (it fails at the first frame), and a fraction where ``codec`` takes whole numbers
    (:func:`crf_option`)."""
    if codec in ("libx265", "hevc") and cfg.crf > 51:
        raise ConfigError(f"video.crf: {_crf_text(cfg.crf)} is above 51, the most x265 takes")
    if codec == "libvpx" and cfg.crf < 4:  # (VP8: "write failed (Invalid argument)" at the first frame)
        raise ConfigError(f"video.crf: {_crf_text(cfg.crf)} is below 4, the least VP8 (libvpx) takes")
    crf_option(codec, cfg)


#: the encoders that take no CRF but a fixed quantiser (``ffmpeg -q:v``, 1-31, lower = better):
#: ``video.crf`` is turned into one (:func:`qscale_options`; "crf" was ignored, their bit rate
#: FFmpeg's 200 kbit/s default whatever it said)
QSCALE_CODECS = ("mpeg4", "mjpeg", "mpeg1video", "mpeg2video")


def qscale(crf: float) -> int:
    """The fixed quantiser (``ffmpeg -q:v``) that ``video.crf`` gives a :data:`QSCALE_CODECS`
    encoder: 2^((crf - 8) / 6), as x264's quantiser step doubles every 6 (crf 20: 4, 14: 2, 26: 8),
    rounded, 1 to 31 (crf 8 and below: 1, 38 and above: 31); a lower crf never a higher one."""
    return max(1, min(31, round(2 ** ((crf - 8) / 6))))


def qscale_options(cfg: VideoConfig) -> dict[str, str]:
    """The options of a :data:`QSCALE_CODECS` encoder that write every frame at :func:`qscale`
    of ``video.crf``, as ``ffmpeg -q:v`` does."""
    q = str(qscale(cfg.crf))
    return {"flags": "+qscale", "qmin": q, "qmax": q}


def encoder_options(cfg: VideoConfig, codec: str, pix_fmt: str | None = None) -> tuple[dict[str, str], dict]:
    """(encoder options, codec context attributes) for ``codec`` writing ``pix_fmt``: quality
    and speed from ``video.crf`` / ``video.preset``, and the threading chosen for this machine."""
    # (by its encoder's name: video.codec vp8 is libvpx, vp9 libvpx-vp9, av1 SVT-AV1 -- FFmpeg's
    # codec names, which missed these settings: a transparent .mkv of vp8 failed at its first
    # frame, "the encoder refuses 640x360 yuva420p video", VP8 with alt-ref frames)
    codec = _encoder_name(codec)
    if codec in ("prores_ks", "prores_aw", "prores"):  # (ProRes 422 HQ, as editors write it, where 4:2:2)
        four = pix_fmt is None or pix_fmt.startswith(("yuv444", "yuva444"))
        # (FFmpeg's other ProRes encoder, prores_aw, also named prores, takes its profile as a
        # number, FFmpeg's AV_PROFILE_PRORES_*: left unset, it wrote ProRes 422 Standard, not HQ)
        profile = ("4444" if four else "hq") if codec == "prores_ks" else ("4" if four else "3")
        return {"profile": profile, "vendor": "apl0"}, {}
    if codec.startswith("libvpx"):
        opts = {"crf": crf_option(codec, cfg), "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
        if codec == "libvpx":
            # VP8 has no constant-quality mode: its CRF is a floor under a bitrate, which with none
            # given was libvpx's default, 256 kbit/s -- every crf gave the same starved file (a
            # 640x360 composite at 25 dB PSNR against VP9's 38); a ceiling too high to be reached
            # leaves the quality to the CRF, as ffmpeg's guide does with -crf and -b:v
            opts["b"] = "1000M"
        # VP8 encodes no alpha with alt-ref frames, on by default: a transparent .webm failed
        # at its first frame ("write failed (Invalid argument)", exit 1)
        if codec == "libvpx" and pix_fmt == "yuva420p":
            opts["auto-alt-ref"] = "0"
        return opts, {}
    if codec in QSCALE_CODECS:
        opts = qscale_options(cfg)
        if codec in ("mjpeg", "mpeg1video"):  # (MJPEG: limited-range yuv420p, as video is: FFmpeg
            opts["strict"] = "unofficial"  # wants it said; MPEG-1: the frame rates it lists beyond the standard's)
        return opts, {}
    _check_crf(codec, cfg)
    opts = {"crf": crf_option(codec, cfg)}
    if codec in ("libx264", "libx265", "h264", "hevc"):
        opts["preset"] = cfg.preset
    if codec == "libx265":  # (x265 prints its banner and settings, ~25 lines, at its default level)
        opts["x265-params"] = "log-level=error"
    if codec == "libsvtav1":
        # (SVT-AV1 prints its banner and settings, ~20 lines, and "Failed to set thread
        # priority" at its default level, to stderr of its own: the level is read from the
        # environment as the encoder opens; one set by the user is kept)
        os.environ.setdefault("SVT_LOG", "1")
    if codec in ("libx264", "h264"):
        from livecut.threads import thread_plan

        n = thread_plan().x264_threads
        if n is not None:
            opts["threads"] = str(n)
    return opts, {}


def is_dir_spec(spec: str) -> bool:
    try:
        return spec.endswith(("/", os.sep)) or Path(spec).is_dir()
    except OSError:  # (a name the system will not look up: check_output says why)
        return False


def _write_error(message: str, exc: BaseException, final: Path | None = None) -> VideoWriteError:
    """``message (reason)``: the output's write failure, keeping the OS's errno (FFmpeg's too):
    a full, read-only or over-quota disk stops a batch, as a photo's does (livecut.batch);
    ``final``: the output written, whose folder gone is said so (:func:`livecut.atomic.write_reason`)."""
    error = VideoWriteError(f"{message} ({io_reason(exc) if final is None else write_reason(exc, final)})")
    code = getattr(exc, "errno", None)
    error.errno = abs(code) if isinstance(code, int) else None
    return error


def _left_behind(tmp: Path | None, final: Path, what: str = "file") -> str | None:
    """The warning naming ``tmp``, the temporary file (or folder) of ``final`` that a failed or
    stopped run discarded, where it is still there (a folder that lets no name be removed:
    append-only, ``chattr +a``; see :func:`livecut.atomic.not_removed`); None where it is gone."""
    from livecut.atomic import not_removed, why_left

    why = not_removed(tmp) if tmp is not None else None
    if why is None:
        return None
    return f"{tmp}: the temporary {what} of {final} could not be removed ({why_left(why)}): remove it once the folder allows"


def _say_left(exc: BaseException | None, left: str | None) -> None:
    """Add ``left`` (:func:`_left_behind`) to the warnings of the error ``exc`` that ends the run
    (``exc.warnings``: the command line says them before the error line)."""
    if left is None or not isinstance(exc, Exception):
        return
    warnings = list(getattr(exc, "warnings", None) or [])
    if left not in warnings:
        try:
            exc.warnings = warnings + [left]  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            pass


def _check_lookup(out: Path) -> None:
    """Refuse an output the system will not look up: a name too long (over 255 bytes), a
    folder on its way this user may not enter.  (Path.exists() and is_dir() raised it: an
    "internal error: OSError".)"""
    import errno

    try:
        if stat.S_ISLNK(out.lstat().st_mode):
            os.stat(out)  # (a link in a loop, `ln -s a.mp4 b.mp4; ln -s b.mp4 a.mp4`: ELOOP)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise UsageError(f"{out}: file name too long") from None
        raise_if_link_loop(out, exc)
        raise _write_error(f"{out}: cannot write there", exc) from None


def _check_no_input_among_frames(out: Path, inputs: tuple) -> None:
    """Refuse PNG frames into folder ``out`` where one of ``inputs`` is a file there of a frame's
    name (``-o frames/ --force -b image:frames/frame_000010.png``, a frame of an earlier run as the
    background): the frames written replace those there, and remove the rest (it was overwritten,
    exit 0, where a background video that is the output file is refused)."""
    import fnmatch

    for src in inputs:
        if src is None:
            continue
        sp = Path(os.path.expanduser(str(src)))  # (pathlib's raised RuntimeError for ~USER of no user)
        if not fnmatch.fnmatchcase(sp.name, FRAME_PATTERN):
            continue
        try:
            inside = os.path.samefile(sp.parent, out)
        except OSError:
            continue
        if inside:
            raise OutputExistsError(f"{out}: holds an input, {sp.name}, which its frames would replace; "
                                    "refusing to write over it")


def check_output(spec: str, inputs: tuple = (), force: bool = False) -> Path:
    """Refuse to overwrite an output without ``force``, and never write over an input."""
    from livecut.urls import mistyped_url

    typo = mistyped_url(spec, publishing=True)  # (-o rtsp:/USER:PASS@cam/live: not a file, its password not shown)
    if typo:
        raise UsageError(typo)
    out = Path(os.path.expanduser(spec))
    _check_lookup(out)
    for src in inputs:
        if src is None:
            continue
        sp = Path(os.path.expanduser(str(src)))
        try:
            same = out.exists() and sp.exists() and os.path.samefile(out, sp)
        except OSError:
            same = False
        try:  # (an input in a loop of links: pathlib's RuntimeError before Python 3.13, "internal error")
            same = same or out.resolve() == sp.resolve()
        except (OSError, RuntimeError):
            pass
        if same:
            raise OutputExistsError(f"{out}: is an input; refusing to write over it")
    # a file where a folder of the path should be (-o in.mp4/x.mp4): a mistake in the command,
    # not a disk's failure (it was "write failed (Not a directory)" or "cannot create folder
    # (File exists)", exit 1, once the run had started)
    blocker = next((q for q in out.parents if q.exists() and not q.is_dir()), None)
    if blocker is not None:
        raise UsageError(f"{out}: {blocker} is a file, not a folder")
    if out.is_dir() and not spec.endswith(("/", os.sep)):  # PNG frames only when asked for: DIR/
        raise OutputExistsError(f"{out}: is a folder (end it with / for a PNG sequence)")
    if is_dir_spec(spec):
        if out.name in ("", ".."):  # -o ./ or ../: that folder, by its own name
            out = Path(os.path.abspath(out))
            if not out.name:
                raise UsageError(f"{spec}: PNG frames need a folder of their own, e.g. -o /frames/")
        # (-o frames/ or frames/day1/, frames a link to a folder moved or deleted: the video was cut,
        # then "frames: exists and is not a folder", or it was "cannot create folder (File exists)", exit 1)
        dangling = dangling_link(out)
        if dangling is not None:
            raise UsageError(f"{out}: cannot create output folder: {dangling}")
        if out.exists() and not out.is_dir():
            raise OutputExistsError(f"{out}: exists and is not a folder")
        if out.is_dir():
            _check_no_input_among_frames(out, inputs)
        if out.is_dir() and any(out.glob(FRAME_PATTERN)) and not force:
            raise OutputExistsError(f"{out}: already holds frames (give {FORCE} to overwrite)")
        # (the frames are written in a hidden folder beside it, then moved into it)
        _check_writable(next(p for p in out.parents if p.exists()), out)
        if out.is_dir():
            _check_writable(out, out)
        return out
    try:
        check_not_special(out)
    except OutputExistsError as exc:  # (-o /dev/null to measure, as with ffmpeg: livecut's is null:)
        fd = open_file_named(out)
        if fd == 1:  # (-o /dev/stdout: the stream on standard output)
            raise OutputExistsError(f"{exc} (-o - writes a stream to standard output)") from None
        if os.path.realpath(out) == os.devnull:
            raise OutputExistsError(f"{exc} (-o null: writes nothing, to measure)") from None
        # (a player reading a named pipe: the stream on standard output goes there; not into
        # livecut's standard error, its messages in the video; -o >(...), /dev/fd/63: the shell's
        # descriptor for this one command, named by its form)
        if _is_fifo(out) and fd not in (0, 2):
            into = shlex.quote(str(out)) if fd is None else ">(...)"
            raise OutputExistsError(f"{exc} (-o - > {into} writes a stream into it)") from None
        raise
    if not out.suffix and out.name.lower() in VIDEO_EXTS:
        # (-o "$NAME.mp4" with NAME empty: -o .mp4 was "unknown video type '(no extension)'")
        raise UsageError(f"{out}: a video's name with nothing before {out.name} (an empty variable?): "
                         f"name it ({out.parent / ('out' + out.name)}), or end -o with / for PNG frames "
                         "in a folder of that name")
    if not out.suffix and out.name.lower() in (".ts", ".mts", ".m2ts"):
        # (-o "$NAME.ts" with NAME empty: -o .ts was "unknown video type '(no extension)'", where
        # -o rec.ts names the pipe that writes one)
        raise UsageError(f"{out}: a video's name with nothing before {out.name} (an empty variable?): "
                         f"name it (an MPEG-TS file: -o - --set video.pipe_format=mpegts > "
                         f"{shlex.quote(str(out.parent / ('out' + out.name)))}), or end -o with / for PNG frames "
                         "in a folder of that name")
    typo = re.fullmatch(r"(.*\.[A-Za-z0-9]+)([\s.,;:]+)", out.name)
    if typo and Path(typo[1]).suffix.lower() in VIDEO_EXTS:
        # (-o out.mp4. or 'out.mp4 ', a paste: "unknown video type '(no extension)'", a type it had)
        raise UsageError(f"{str(out)!r}: {typo[2]!r} after the video's name: name it {out.parent / typo[1]}")
    if out.suffix.lower() not in VIDEO_EXTS:
        # (an MPEG-TS file is written through the pipe, as the README says: the refusal did not)
        ts = (f"; an MPEG-TS file: -o - --set video.pipe_format=mpegts > {out.name}"
              if out.suffix.lower() in (".ts", ".mts", ".m2ts") else "")
        from livecut.images import one_typo

        # (-o out.wemb, out.mpp4: a typo of a type it writes, named as livecut image names a picture's)
        near = [e for e in VIDEO_EXTS if one_typo(out.suffix.lower(), e)] if out.suffix else []
        meant = f"did you mean {out.with_suffix(near[0])}? " if near else ""
        raise UsageError(f"{out}: unknown video type {out.suffix or '(no extension)'!r} "
                         f"({meant}use {', '.join(VIDEO_EXTS)} or DIR/ for PNG frames{ts})")
    # (after its type: -o out.gif, there, said to give --force, which then said '.gif' is no video type)
    if out.exists() and not force:
        raise OutputExistsError(f"{out}: exists (give {FORCE} to overwrite)")
    if out.is_symlink() and not out.exists() and not force:  # (the finished file cannot take the name)
        raise OutputExistsError(f"{out}: exists, a symbolic link to {os.readlink(out)} that is missing "
                                f"(give {FORCE} to replace the link)")
    if not out.parent.exists():
        dangling = dangling_link(out.parent)
        raise UsageError(f"{out}: folder {out.parent} does not exist" + (f" ({dangling})" if dangling else ""))
    _check_writable(out.parent, out)
    return out


def _is_fifo(path: Path) -> bool:
    """Whether ``path`` is a named pipe, or a link to one."""
    import stat

    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _check_writable(folder: Path, out: Path) -> None:
    """Refuse an output whose ``folder`` this user cannot write in (a read-only disk, a folder
    of another user's): said before a camera is turned on or a stream waited for, as the
    output's other faults are (it was tried at the first frame: a run from a stream waited
    video.open_timeout, then said 'no data'; one whose stream came failed then, 'write failed
    (read-only file system)').  The error keeps the error number of making a file there (a
    batch stops at a video's folder as at a photo's: a video in a folder of another user's, or
    made immutable, was refused and the next one of that folder tried, each in turn); a folder
    made immutable (chattr +i) is told by a file made and removed there at once: it was said
    'permission denied', root too, where the system says 'Operation not permitted'."""
    import errno

    from livecut.atomic import discard, temp_path

    if os.access(folder, os.W_OK | os.X_OK):
        return
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # (no statvfs: Windows)
        read_only = False
    code = errno.EROFS if read_only else errno.EACCES
    if not read_only:
        probe = temp_path(folder / out.name, keep_suffix=False)  # (a killed run's: swept as its temporary file)
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EROFS):
                code = exc.errno
        finally:
            discard(probe)  # (not made too: its folder, held meanwhile, let go)
    reason = {errno.EROFS: "read-only file system", errno.EPERM: "operation not permitted"}.get(code,
                                                                                             "permission denied")
    error = VideoWriteError(f"{out}: cannot write in {folder} ({reason})")
    error.errno, error.creating = code, True  # (a batch stops there: livecut.atomic.folder_stop)
    raise error


#: video types that keep transparency (ProRes 4444, VP9 with alpha)
ALPHA_VIDEO_EXTS = (".mov", ".webm")
#: the encoders that keep transparency in a .mkv (VP9 and VP8 with alpha, as in a .webm; FFV1),
#: by FFmpeg's codec name, and the pixel format with alpha each is given
MKV_ALPHA_CODECS = {"vp9": "yuva420p", "vp8": "yuva420p", "ffv1": "yuva420p"}
#: where a refusal sends a transparent video
ALPHA_HINT = ".mov (ProRes 4444), .webm (VP9), .mkv with video.codec libvpx-vp9 or ffv1"


def keeps_alpha(ext: str, cfg: VideoConfig | None) -> bool:
    """Whether a video file of type ``ext`` written with ``cfg`` keeps transparency: a .mov or a
    .webm, or a .mkv whose ``video.codec`` is one of :data:`MKV_ALPHA_CODECS`."""
    ext = ext.lower()
    return ext in ALPHA_VIDEO_EXTS or (ext == ".mkv" and cfg is not None
                                       and _codec_name(cfg.codec) in MKV_ALPHA_CODECS)


def check_keeps_alpha(path: str | Path, channels: int, cfg: VideoConfig | None = None) -> None:
    """Refuse frames with alpha (``channels`` 4: a cutout) for a video type (with ``cfg``'s
    ``video.codec``) that cannot keep it."""
    ext = Path(path).suffix.lower()
    if channels == 4 and not keeps_alpha(ext, cfg):
        codec = f" with video.codec {cfg.codec}" if ext == ".mkv" and cfg is not None else ""
        raise UsageError(f"{path}: {ext or 'this'} video cannot keep transparency{codec}; write "
                         f"{ALPHA_HINT}, or a folder DIR/ (PNG frames)")


def _squeezed(sar: Fraction, why: str) -> str:
    """The warning for non-square pixels (sample aspect ``sar``) an output writes as square."""
    return f"non-square pixels ({sar.numerator}:{sar.denominator}) written as square, the picture squeezed: {why}"


#: the encoders besides ProRes 4444 that keep transparency in a .mov (QuickTime Animation, PNG),
#: by FFmpeg's codec name, and the pixel format with alpha each is given
MOV_ALPHA_CODECS = {"qtrle": "argb", "png": "rgba"}


def encoder_for(ext: str, channels: int, cfg: VideoConfig) -> tuple[str, str]:
    """The encoder and pixel format a video file of type ``ext`` is written with, for frames of
    ``channels``: for a transparent .mov ``video.codec`` where it keeps transparency there
    (:data:`MOV_ALPHA_CODECS`), else ProRes 4444 (:func:`mov_alpha_note`); VP9 for .webm (unless
    ``video.codec`` is a libvpx one), else ``video.codec``."""
    if channels == 4 and ext == ".mov":
        alpha = MOV_ALPHA_CODECS.get(_codec_name(cfg.codec))
        return (cfg.codec, alpha) if alpha else ("prores_ks", "yuva444p10le")
    if channels == 4 and ext == ".mkv" and _codec_name(cfg.codec) in MKV_ALPHA_CODECS:
        return cfg.codec, MKV_ALPHA_CODECS[_codec_name(cfg.codec)]
    if ext == ".webm":
        # (video.codec vp8, FFmpeg's name for libvpx's VP8, was written as VP9)
        return (cfg.codec if _encoder_name(cfg.codec).startswith("libvpx") else "libvpx-vp9"), \
            ("yuva420p" if channels == 4 else "yuv420p")
    return cfg.codec, _yuv_format(cfg.codec)


def _codec_chosen(cfg: VideoConfig) -> bool:
    """``video.codec`` was chosen: not the default, or named, as the default too (``--set
    video.codec=libx264`` into a .webm was written as VP9 without a word, where libx265 was said)."""
    return cfg.codec != VideoConfig().codec or "codec" in named_keys(cfg)


def webm_codec_note(cfg: VideoConfig) -> str | None:
    """The warning that a .webm is VP9, not ``video.codec``, where that is chosen (:func:`_codec_chosen`)
    as another encoder than libvpx's (libsvtav1, libx265, a typo: it was written as VP9 without a word)."""
    if not _codec_chosen(cfg) or _encoder_name(cfg.codec).startswith("libvpx"):
        return None
    return (f"video.codec {cfg.codec}: a .webm is written as VP9 (video.codec libvpx-vp9, or libvpx for VP8); "
            ".mkv or .mp4 take other codecs")


def mov_alpha_note(cfg: VideoConfig) -> str | None:
    """The warning that a transparent .mov is ProRes 4444, not ``video.codec``, where that is chosen
    (:func:`_codec_chosen`) as an encoder that cannot keep transparency there (it was
    written as ProRes 4444 without a word)."""
    if not _codec_chosen(cfg) or _codec_name(cfg.codec) in ("prores", *MOV_ALPHA_CODECS):
        return None
    return (f"video.codec {cfg.codec}: cannot keep transparency in a .mov; written as ProRes 4444 "
            "(video.codec qtrle or png keep it too)")


def _check_spec(spec: str, channels: int, cfg: VideoConfig) -> None:
    """What :func:`open_file_sink` refuses in ``spec`` itself, for :func:`livecut.sinks.check_sink`
    (an existing output, a missing folder: :func:`check_output`), and what a video file of its type
    refuses in the configuration: an unknown ``video.codec`` or ``video.preset``, x265 above crf 51
    (they were said at the first frame, after a stream was waited for or a camera turned on)."""
    if is_dir_spec(spec):  # (PNG frames keep alpha)
        return
    path = Path(os.path.expanduser(spec))
    check_keeps_alpha(path, channels, cfg)
    check_codec(path.suffix.lower(), channels, cfg)


def check_codec(ext: str, channels: int, cfg: VideoConfig) -> None:
    """Refuse (as bad input) the ``video.codec``, ``video.preset`` or ``video.crf`` of ``cfg`` that a
    video file of type ``ext`` (``.mp4``; another type: nothing to check) for frames of ``channels``
    would refuse when it is opened (:func:`check_encoder`, :func:`check_container`)."""
    if ext in VIDEO_EXTS:
        codec, pix_fmt = encoder_for(ext, channels, cfg)
        check_encoder(codec, cfg.preset, pix_fmt)
        check_container(codec, ext)
        _check_crf(codec, cfg)


def _check_once(sink) -> None:
    """Refuse to open a file sink again: its close() finishes one file, once (opened again, its
    frames were written to a temporary file or folder that was never renamed into place, and
    lost)."""
    if sink._closed or sink.tmp is not None:
        raise VideoWriteError(f"{sink.path}: {'closed' if sink._closed else 'already open'}; a file sink "
                              "writes one output: open another (livecut.sinks.open_sink)")


def _not_open(sink) -> VideoWriteError:
    """The error of a frame written to a file sink that is not open: before ``with`` (open_sink
    gives it unopened), or once closed.  Both were "PATH: not open", which said nothing of what
    to do to a caller who had just called open_sink, or had its file finished already."""
    if sink._closed:
        return VideoWriteError(f"{sink.path}: closed already; a file sink writes one output: open another "
                               "(livecut.sinks.open_sink)")
    return VideoWriteError(f"{sink.path}: not open yet: open_sink gives the sink unopened; write its frames "
                           "within `with open_sink(...) as sink:`, which opens the file and finishes it")


class VideoFileSink:
    """Encodes frames to a video file; flushes the encoder and finalizes on close."""

    main_thread = False

    def __init__(self, path: str | Path, info: SinkInfo, cfg: VideoConfig | None = None, *,
                 force: bool = False):
        self.path = Path(path)
        self.info = info
        self.cfg = cfg or VideoConfig()
        self.force = force
        #: where the file is written until it is complete (then renamed to ``path``)
        self.tmp: Path | None = None
        self.warnings: list[str] = []
        #: the warning naming the temporary file a failed or stopped run could not remove (see _discard)
        self.left: str | None = None
        self._fit = Fitter()
        self.frames = 0
        #: set when the run stopped before the source's end: copy only the audio the video covers
        self.cut_short = False
        #: set by the runner when a run of a file is stopped by a signal: an output that was at
        #: the final name before (``--force``) is left as it was and the frames so far are not
        #: kept (:attr:`kept_earlier`) -- a signal never destroys an earlier output
        self.keep_earlier = False
        self.kept_earlier = False
        #: where the source's last frame ends by its own length (seconds, on the output's
        #: timeline), set by the runner once the source was read to its end: a GIF's pause on its
        #: last picture, a slideshow's last slide (None: unknown)
        self.last_end: float | None = None
        self._container = None
        self._audio: AudioCopy | None = None
        #: the source's chapters, set when the output's end is known (see close)
        self._chapters: list[dict] = []
        #: the source's cover pictures an .mp4 keeps, (its stream, the picture), muxed at the close
        self._covers: list = []
        self._closed = False
        #: the finished temporary file as it was about to be renamed into place (see :attr:`placed`)
        self._finished: tuple[int, int] | None = None
        ext = self.path.suffix.lower()
        ch = info.channels
        check_keeps_alpha(self.path, ch, self.cfg)
        #: AVI cannot say a video is turned (a phone's portrait clip): its frames are written
        #: turned upright instead, as PNG frames are (see livecut.frames.Upright)
        self.ext = ext
        self._upright = Upright(info.rotation if ext == ".avi" else 0)
        src_w, src_h = self._upright.size(info.width, info.height)
        # even sizes for 4:2:0 (an odd last row/column is dropped)
        self.width = src_w - (src_w % 2)
        self.height = src_h - (src_h % 2)
        if self.width < 2 or self.height < 2:
            raise VideoWriteError(f"{self.path}: frame {info.width}x{info.height} is too small to encode")
        codec, pix_fmt = encoder_for(ext, ch, self.cfg)
        if ch == 4 and ext == ".mov":
            self.width, self.height = info.width, info.height
            note = mov_alpha_note(self.cfg)
            if note:
                self.warnings.append(note)
        elif ext == ".webm" and (note := webm_codec_note(self.cfg)):
            self.warnings.append(note)
        elif _codec_name(codec) in ODD_SIDES or "444" in pix_fmt:
            # (FFV1 stores an odd size: 641x359 was written 640x358, "4:2:0 video needs even sides")
            self.width, self.height = src_w, src_h
        elif pix_fmt.startswith("yuv422"):  # (4:2:2, ProRes: an even width only, every row kept)
            self.height = src_h
        elif pix_fmt in RGB_FORMATS:  # (RGB, qtrle or png: every pixel kept)
            self.width, self.height = src_w, src_h
        sar = info.sample_aspect
        #: the frames' size before they are scaled to square pixels (see below), else None
        self._unsquare: tuple[int, int] | None = None
        #: the source's non-square pixels are said as such (its aspect ratio written)
        # (.mkv and .avi take it from the video itself alone: FFV1 or ProRes there, which do not
        # say it, were written squeezed, 720x576 16:9 shown 5:4, without a word)
        self._keeps_sar = bool(sar) and (ext in QUICKTIME_EXTS or av_codec_name(codec) in SAR_IN_VIDEO)
        if (self.width, self.height) != (src_w, src_h) and not (sar and not self._keeps_sar):
            need = "4:2:2 video needs an even width" if pix_fmt.startswith("yuv422") else "4:2:0 video needs even sides"
            # (ProRes 4444 is a transparent output's: an opaque .mov told so was the .mov written)
            keep = (".mov ProRes 4444 or DIR/ keep every pixel" if ch == 4 else
                    "DIR/ or .mkv with video.codec=ffv1 keep every pixel, as a transparent .mov, ProRes 4444, does")
            # (said as shown: a phone's portrait clip, stored sideways and turned by its rotation,
            # which this output carries over, was said '65x49 written as 64x48' for a 49x65 picture)
            shown = Upright(info.rotation).quarter and not self._upright.quarter
            was, now = ((src_h, src_w), (self.height, self.width)) if shown else ((src_w, src_h), (self.width, self.height))
            if shown and pix_fmt.startswith("yuv422"):
                need = "4:2:2 video needs an even width, stored sideways: the height shown"
            self.warnings.append(f"frames {was[0]}x{was[1]} written as {now[0]}x{now[1]} ({need}; {keep})")
        if sar and not self._keeps_sar:
            # non-square pixels (720x576 16:9): libvpx's frames carry no aspect ratio, and PyAV
            # cannot give the muxer the stream's, which Matroska, WebM and AVI take (MP4 takes
            # the encoder's): the picture was written squeezed (5:4); it is scaled to square
            # pixels instead, its width by the ratio (1024x576), as `ffmpeg -vf scale=iw*sar:ih`
            wide = sar if not self._upright.quarter else 1 / sar
            sq_w = max(2, int(round(src_w * wide / 2)) * 2)
            if sq_w * src_h > MAX_SQUARE_PIXELS:  # (a tall ratio on a large picture: narrower instead)
                sq_w = src_w - src_w % 2
                self.height = max(2, int(round(src_h / wide / 2)) * 2)
            self._unsquare = (src_w, src_h)
            keep = ".mp4, .mkv, .mov keep the pixels" if ext == ".webm" else "another video.codec, libx264, keeps the pixels"
            video = "libvpx" if codec.startswith("libvpx") else av_codec_name(codec).upper()
            # (said as shown, as an odd size is: a portrait clip whose rotation this output carries
            # over was said '64x36 written as 128x36, as shown' for a 36x128 picture)
            turned = Upright(info.rotation).quarter and not self._upright.quarter
            was, now = ((src_h, src_w), (self.height, sq_w)) if turned else ((src_w, src_h), (sq_w, self.height))
            self.warnings.append(f"non-square pixels ({sar.numerator}:{sar.denominator}"
                                 f"{', stored sideways' if turned else ''}) scaled to square: {was[0]}x{was[1]} "
                                 f"written as {now[0]}x{now[1]}, as shown (a {ext} file of {video} video cannot "
                                 f"say their shape; {keep})")
            self.width = sq_w
        check_encoder(codec, self.cfg.preset, pix_fmt)
        check_container(codec, ext)
        #: a BT.709 source's frames written as BT.601, where the output cannot say BT.709 (see
        #: BT601_ONLY: a reader took its BT.709 YUV for BT.601, reds 5 levels too bright)
        self._to_bt601 = info.matrix == "bt709" and (
            _codec_name(codec) in BT601_ONLY or (ext == ".avi" and _codec_name(codec) not in MATRIX_IN_VIDEO))
        if self._to_bt601:
            self.info = info = dataclasses.replace(info, matrix="bt601")
        opts, self._ctx = encoder_options(self.cfg, codec, pix_fmt)
        if ext == ".avi":
            # AVI keeps no presentation times, only the decoding order: B-frames (x264's) delay
            # each picture by the encoder's reordering, which players do not take back: the
            # video played 2 frames (80 ms at 25 fps) after its sound
            self._ctx = {**self._ctx, "max_b_frames": 0}
            if _codec_name(codec) == "mpeg2video":
                # (MPEG-2 without B-frames still says a decoder delay of a frame unless its
                # sequence is marked low-delay: the picture played 40 ms late at 25 fps)
                opts = {**opts, "flags": opts.get("flags", "") + "+low_delay"}
        self.codec, self.pix_fmt, self._opts = codec, pix_fmt, opts
        #: the matrix the output says: the source's, or none for RGB (qtrle, png: a YUV matrix
        #: on an rgb24 stream, BT.709 as the source's, was said, which ffmpeg writes as "gbr")
        self._matrix_said = "rgb" if rgb_pix_fmt(pix_fmt) else info.matrix
        # the input's time base keeps its timestamps exact (variable frame rate too); AVI has
        # one frame a tick (its rate is 1 / time base: a fine base made a 90000 fps file of
        # mostly empty frames)
        self.time_base = info.time_base or Fraction(1, 90000)
        if ext == ".avi":
            # a variable frame rate keeps its timing on the finest regular rate its timestamps
            # need, when that is near the average or at most AVI_TICK_FPS (frames pushed to the
            # next free tick of the average rate drifted from the audio: 2.4 s after a 5 s
            # pause); else the average
            tick = info.tick_fps
            if tick and not _a_rate(tick):
                # (FFmpeg's guess where none fits: a phone's variable rate remuxed to Matroska
                # states its average, 26.55 fps, 3000/113: frames pushed to its next free tick
                # were 89 ms off their time; on AVI_TICK_FPS, within half its tick)
                tick = AVI_TICK_FPS
            elif tick and info.fps and tick * (1 + AVI_TICK_SLACK) < info.fps:
                # (a stated rate below the average is not the finest the frames keep: FFmpeg
                # guesses it from the first frames, 25 fps for 1 s at 25 then 1 s at 30 (27.78 on
                # average); on the average's tick the 30 fps frames were pushed later and later,
                # 85 ms off, the video 0.12 s too long; on AVI_TICK_FPS, within half its tick)
                tick = AVI_TICK_FPS
            fine = tick is not None and info.fps and info.fps <= tick <= max(AVI_TICK_MAX * info.fps, AVI_TICK_FPS)
            if not fine and info.fps and not _a_rate(info.fps):
                # (no stated rate to keep, and an average that is no camera's: a variable rate,
                # 1/600 s ticks for 1 s at 25 fps then 1 s at 30 (150 fps stated, 27.41 on
                # average): on the average's tick the frames were pushed 76 ms off their time)
                tick, fine = AVI_TICK_FPS, True
            tick = tick if fine else info.fps
            if tick and tick > AVI_MAX_FPS:
                # (a phone's super slow motion, 960 fps on a 1/90000 clock, which FFmpeg states as
                # 1920, or a high-speed camera's 1200 fps: frames pushed to the next free tick)
                tick = info.fps if info.fps and info.fps <= AVI_MAX_FPS else AVI_MAX_FPS
            self.time_base = 1 / fps_fraction(tick)
        rate = _fixed_rate(codec, info.fps)
        if rate is not None:
            self.time_base = 1 / rate
        if codec == "mpeg4":
            self.time_base = _mpeg4_base(self.time_base)
        #: (frame duration, slack) in output ticks when the source's ticks cannot say its frame
        #: rate's times (Matroska's milliseconds at 23.976 or 29.97 fps: frames 41 and 42 ms
        #: apart made an MP4 of 23.989 fps, 768000/32027, that editors take for variable): the
        #: frames within a source tick of that rate's times are written on them, on a time base
        #: that holds both (1/24000 for 23.976 from milliseconds), see _on_grid; None: as they are.
        #: (MP4 and MOV only: Matroska and WebM store milliseconds whatever the time base, so it
        #: gave them nothing, and two frames a millisecond apart, put on one of the rate's times
        #: and the next tick, came out on the same millisecond; AVI: see above)
        self._grid: tuple[int, int] | None = None
        self._anchor: int | None = None
        src_tb = info.time_base
        if ext in QUICKTIME_EXTS and rate is None and src_tb and info.tick_fps:
            step = 1 / _ntsc(fps_fraction(info.tick_fps))
            if (step / src_tb).denominator != 1:
                both = Fraction(math.gcd(src_tb.numerator * step.denominator, step.numerator * src_tb.denominator),
                                src_tb.denominator * step.denominator)
                if both.denominator <= (MPEG4_MAX_TICKS if codec == "mpeg4" else GRID_MAX_TICKS):
                    self.time_base = both
                    self._grid = (int(step / both), int(src_tb / both))
        #: the output's frame rate, and a frame's length in output ticks (frames without a time)
        self._rate = fps_fraction(info.fps)
        self._frame_ticks = max(1, int(round(1 / (self._rate * self.time_base))))
        self._ctx = {**self._ctx, **rate_control(codec, self._frame_ticks)}
        self._last_pts: int | None = None
        self._last_t = 0.0
        #: frames put after their time (on a tick an earlier frame took): how many, the most
        #: and the last one's lateness (output ticks), and where the warning saying so stands
        self._late = self._late_most = self._late_now = 0
        self._late_note: int | None = None
        #: the last frame's own time (seconds), and whether the frames now late are so for one
        #: whose time went back (not counted: see write)
        self._last_src: float | None = None
        self._disorder = False
        #: each frame's length (output ticks) by its pts, given to its packet as ffmpeg gives it:
        #: the encoder's packets have none, and MP4, MOV and Matroska made the last frame as
        #: long as the average frame (a variable frame rate's video ended late: 0.792 s for
        #: 0.780); not AVI (a frame a tick)
        self._durations: dict[int, int] | None = {} if ext != ".avi" else None
        self._delay: int | None = None  # (the first packet's pts - dts: the encoder's reordering)
        self._avi_dts: int | None = None  # (AVI: the last video entry's tick, see _bridge)
        self._held = None  # (the last packet encoded, muxed with the next one: see _mux)
        self._to_i420: ToI420 | None = None  # BGR or gray -> I420, its buffers kept
        self._created = False  # (the temporary file is there: see _creating)
        # (I420 buffers are of even sides: an odd one, FFV1's, goes through swscale)
        self._fast = pix_fmt == "yuv420p" and ch in (1, 3) and self.width % 2 == 0 and self.height % 2 == 0
        #: what write() takes: "bgr24" (BGR, BGRA or gray as the channels say) or "yuv420p" (I420)
        self.pixel_format = "bgr24"
        #: optional :class:`livecut.stageclock.StageClock`: CPU time of convert, encode and mux
        self.clock = None
        self._vframe = None  # the encoder's input frame, refilled for each I420 frame
        self._packed: dict = {}  # the same for gray, BGR and BGRA frames (see packed_frame)

    @property
    def accepts_i420(self) -> bool:
        """Whether write() can take I420 frames (a yuv420p output of the frames' own size)."""
        return (self._fast and self._upright.turn is None and not self._to_bt601
                and (self.width, self.height) == (self.info.width, self.info.height))

    def use_pixel_format(self, fmt: str) -> None:
        """Take ``"bgr24"`` frames (BGR/BGRA/gray) or ``"yuv420p"`` (I420; needs :attr:`accepts_i420`)."""
        if fmt == "yuv420p" and not self.accepts_i420:
            raise UsageError(f"{self.path}: writes {self.pix_fmt} {self.width}x{self.height}; "
                             "cannot take I420 frames")
        if fmt not in ("bgr24", "yuv420p"):
            raise UsageError(f"pixel format {fmt!r}: expected bgr24 or yuv420p")
        self.pixel_format = fmt

    # ------------------------------------------------------------ opening
    def __enter__(self) -> "VideoFileSink":
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(complete=exc_type is None)
        _say_left(exc, self.left)

    def open(self) -> None:
        import av

        from livecut.atomic import stale_left, temp_path

        _check_once(self)
        self.warnings += stale_left(self.path)  # what a killed run left for this name (kept: said)
        self.tmp = temp_path(self.path)
        try:
            self._container = av.open(file_for_ffmpeg(self.tmp), "w")
        except (av.error.FFmpegError, OSError) as exc:
            self._discard()
            raise _write_error(f"{self.path}: cannot create", exc) from None
        try:
            c = self._container
            try:
                # (AVI: one frame a tick, each packet a tick long: at the average rate of a
                # video that pauses the last ran on with empty ticks past the end, which a
                # reader took for a file cut short)
                rate = 1 / self.time_base if self.ext == ".avi" else self._rate
                s = c.add_stream(self.codec, rate=rate)
            except ValueError as exc:  # (the muxer's refusal: a setting, as check_encoder's are)
                raise _muxer_refuses(self.codec, self.ext, exc) from None
            except av.error.FFmpegError as exc:
                raise VideoWriteError(f"{self.path}: encoder {self.codec!r} unavailable ({ffmpeg_text(exc)})") from None
            s.width, s.height = self.width, self.height
            s.pix_fmt = self.pix_fmt
            s.time_base = self.time_base
            s.codec_context.time_base = self.time_base
            s.options = dict(self._opts)
            for k, v in self._ctx.items():
                setattr(s.codec_context, k, v)
            # the one video track is the default one (Matroska and WebM flagged none)
            s.disposition = int(av.stream.Disposition.default)
            encoder = av.codec.Codec(self.codec, "w")
            if self.ext in QUICKTIME_EXTS and encoder.canonical_name == "hevc":
                # (FFmpeg tags H.265 in MP4 and MOV 'hev1', which QuickTime, iOS and Final Cut do
                # not play; 'hvc1', as `ffmpeg -tag:v hvc1` writes it, they do, as others)
                s.codec_context.codec_tag = "hvc1"
            if self.info.rotation and self._upright.turn is None:
                s.set_display_rotation(self.info.rotation)
            sar = self.info.sample_aspect
            if self._keeps_sar:  # (non-square pixels; libvpx's scaled to square: see __init__)
                s.codec_context.sample_aspect_ratio = 1 / sar if self._upright.quarter else sar
            # as the source said (players take an untagged file as BT.601 or guess); a mask is
            # no picture in the source's primaries and transfer (HDR)
            if self.info.matrix == "bt709" or (self.info.color_tags and self.info.channels != 1):
                _describe(s.codec_context, self.info.color_tags, self._matrix_said)
            # the encoder is opened now, with the output's size, before the run (its first frame
            # opened it: a refusal was "write failed", exit 1)
            open_encoder(s, self.codec, self.path)
            if self.info.source_file is not None:
                self._chapters = carry_source(c, s, self.info.source_file, self.ext, self.info.start,
                                              float(self._rate), self.warnings, self._covers)
            self._stream = s
            # (Matroska, WebM: a copied track is added with its first packet, the header waits
            # for it: a cut that ends before late audio begins leaves the track out, as MP4 does)
            self._audio = AudioCopy.open(c, self.info.audio_from, self.ext, self.info.start,
                                         self.warnings, hold=True, subtitles_from=self.info.source_file)
        except BaseException as exc:
            self._container.close()
            self._container = None
            self._discard()
            _say_left(exc, self.left)
            raise

    @contextlib.contextmanager
    def _creating(self):
        """:func:`livecut.atomic.creating` until the temporary file is there: FFmpeg creates it
        with the header, at the first packet, in the writer's thread (a batch's worker: see
        :func:`livecut.atomic.remove_unfinished`)."""
        if self.tmp is None or self._created:
            yield
            return
        from livecut.atomic import creating

        with creating():
            try:
                yield
            finally:
                self._created = self.tmp is None or os.path.lexists(self.tmp)

    def _discard(self) -> None:
        from livecut.atomic import discard

        discard(self.tmp)
        left = _left_behind(self.tmp, self.path)
        if left:  # (a folder that lets no name be removed, append-only: it stayed, unsaid)
            self.left = left
            self.warnings.append(left)  # (said after a Ctrl-C: see runner._note_warnings)
        self.tmp = None

    # ------------------------------------------------------------ writing
    def _frame_i420(self, i420: np.ndarray):
        """An encoder frame holding the planes of ``i420``.  One frame is refilled: once the
        encoder has taken its picture (x264 and libvpx copy it) make_writable() is free; if
        the encoder still holds a reference, it gives the frame a new buffer."""
        import av

        h, w = self.height, self.width
        if i420.shape != (h * 3 // 2, w) or i420.dtype != np.uint8:
            raise VideoWriteError(f"{self.path}: I420 frame {i420.shape} {i420.dtype}; "
                                  f"expected ({h * 3 // 2}, {w}) uint8")
        f = self._vframe
        if f is None:
            f = self._vframe = av.VideoFrame(w, h, "yuv420p")
        else:
            f.make_writable()
        for dst, src in zip(frame_planes(f, h, w), planes(i420, h, w)):
            dst[...] = src
        return f

    def _frame(self, image: np.ndarray):
        if self.pixel_format == "yuv420p":
            return self._frame_i420(image)
        image = self._upright(image)  # (AVI: see __init__)
        h, w = self.height, self.width
        if self._unsquare is not None and image.shape[1::-1] == self._unsquare:  # (see __init__)
            image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA
                               if w * h < image.shape[0] * image.shape[1] else cv2.INTER_LINEAR)
        img = self._fit(image, w, h, self.warnings)  # (an odd size, or a change mid-run)
        ch = 1 if img.ndim == 2 else img.shape[2]
        if self._fast:
            # (_fast is for 1 or 3 channels; OpenCV reads a cropped view without a copy) chroma
            # from the 2x2 average, as the I420 composite and swscale make it: OpenCV's own I420
            # conversion samples one pixel of the four, which moved a subject's colour edge by a
            # pixel against its luma in the BGR path's outputs (side-by-side, full-range or
            # odd-sized video) and aliased fine colour
            if self._to_i420 is None:
                self._to_i420 = ToI420(self.info.matrix)
            return self._frame_i420(self._to_i420(img))  # (the reused encoder frame: no new one a frame)
        f = packed_frame(self._packed, img)
        # (converted here on one thread, not by the encoder on its thread_count: swscale's slices
        # into a 10-bit format -- ProRes 4444's yuva444p10le, 422 HQ's yuv422p10le -- left the first
        # pixels of the rows where they meet unwritten at some widths, any odd one, 1366, a portrait
        # 1080: a cutout's .mov showed a streak of 8 pixels of another frame's alpha and colours there)
        if self.info.matrix == "bt709":  # (the encoder's own conversion would take BT.601)
            f = f.reformat(format=self.pix_fmt, dst_colorspace="ITU709", threads=1)
            _describe(f, self.info.color_tags, self._matrix_said)  # (ProRes takes the description from its frames)
            return f
        if self.info.color_tags and ch != 1:  # (BT.601, with the source's primaries and transfer: HDR)
            _describe(f, self.info.color_tags, self._matrix_said)
        if self.pix_fmt.endswith(("10le", "12le")):  # (8-bit ones were whole: the encoder converts them)
            f = f.reformat(format=self.pix_fmt, threads=1)
        return f

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        import av

        if self._container is None:
            raise _not_open(self)
        # (a float or 16-bit frame, 2 channels, an empty one: a bare cv2.error, ZeroDivisionError)
        check_frame(image, str(self.path))
        check_pts(pts, str(self.path))
        if pts is not None and pts < 0:  # (.mp4 and .mov hid such a frame before the start, without a word)
            raise ConfigError(f"{self.path}: pts {pts!r}: expected the frame's time in seconds from the start "
                              "of the video, 0 or more (a frame before 0 is not shown), or None")
        if self._fast and self.pixel_format == "bgr24" and image.ndim == 3 and image.shape[2] == 4:
            # (it was "bgr_to_i420: expected an HxWx3 uint8 BGR image", naming neither the output
            # nor what to do)
            raise ArrayError(f"{self.path}: cannot write a BGRA frame (with alpha) to {self.codec} {self.pix_fmt} "
                             f"video, opened for {self.info.channels}-channel frames (SinkInfo.channels); give "
                             "BGR (frame[:, :, :3]), or open a .mov or .webm with channels=4 to keep the alpha")
        clock = self.clock
        t = clock.now() if clock is not None else 0.0
        frame = self._frame(image)
        if clock is not None:
            t = clock.add("convert_out", t)
        tb = self.time_base
        if pts is None:
            ipts = self.frames if self._last_pts is None else self._last_pts + self._frame_ticks
        else:
            ipts = int(round(pts / tb))
            if self._grid is not None:
                ipts = self._on_grid(ipts)
        want = ipts
        if self._last_pts is not None and ipts <= self._last_pts:
            ipts = self._last_pts + 1
        if pts is not None:
            # (a frame whose time is before the last one's -- a damaged file's -- is late for
            # that, not for the ticks: nor are those pushed after it until one is on time)
            back = self._last_src is not None and pts < self._last_src
            self._last_src = pts
            self._disorder = (self._disorder or back) and ipts > want
            if not self._disorder and (ipts - want or self._late_now):
                self._lateness(ipts - want)
        if self._durations is not None and self._last_pts is not None:
            self._durations[self._last_pts] = ipts - self._last_pts
            if len(self._durations) > MAX_PENDING_LENGTHS:  # (an encoder of no delay: its packets came first)
                del self._durations[next(iter(self._durations))]
        frame.pts = ipts
        frame.time_base = tb
        self._last_pts = ipts
        self._last_t = float(ipts * tb)
        with self._creating():
            try:
                packets = self._stream.encode(frame)
                if clock is not None:
                    t = clock.add("encode", t)
                for packet in packets:
                    self._mux(packet)
                if self._audio is not None:
                    self._audio.mux(self._last_t)
                if clock is not None:
                    clock.add("mux", t)
            except (av.error.FFmpegError, OSError) as exc:
                raise _write_error(f"{self.path}: write failed", exc, self.path) from None
        self.frames += 1

    def _lateness(self, ticks: int) -> None:
        """Count a frame put ``ticks`` after its time; once one is LATE_SAID or more late, a
        warning says so (kept up to date: its last frame's lateness is the end's).  A variable
        frame rate with frames closer together than the output's ticks (AVI keeps one frame a
        tick: 60 fps stretches of a video stated 30) came out late, out of step with the sound,
        and nothing said so."""
        self._late += ticks > 0
        self._late_most = max(self._late_most, ticks)
        self._late_now = ticks
        tb = self.time_base
        if self._late_most * tb < LATE_SAID:
            return
        end = f"{float(ticks * tb):.2f} s at the end" if ticks else "on time again by the end"
        sound = ", out of step with the sound" if self.info.audio_from is not None else ""
        text = (f"{self._late} frames were written later than their time, up to {float(self._late_most * tb):.2f} s"
                f" ({end}){sound}: their times are closer together than the {float(1 / tb):g} frames a second "
                + (f"this {self.ext} file keeps; .mp4, .mkv and .mov keep each frame's time" if self.ext == ".avi"
                   else f"{self.codec} keeps; libx264 keeps each frame's time"))
        if self._late_note is None:
            self._late_note = len(self.warnings)
            self.warnings.append(text)
        else:
            self.warnings[self._late_note] = text

    def _on_grid(self, ipts: int) -> int:
        """``ipts`` moved onto the frame rate's times (counted from the first frame) when it is
        within a source tick of one (see ``_grid``); a frame off them (variable frame rate), or
        whose time there a frame before it took (two frames a source tick apart), keeps its own."""
        step, slack = self._grid
        if self._anchor is None:
            self._anchor = ipts
        on = self._anchor + round((ipts - self._anchor) / step) * step
        taken = self._last_pts is not None and on <= self._last_pts
        return on if abs(ipts - on) <= slack and not taken else ipts

    def _mux(self, packet) -> None:
        """Mux the video packet before ``packet``, which is held until the next one comes or
        the file is closed: an encoder without delay (ProRes, MPEG-4 Part 2) gives the last
        frame's packet before its length is known (see close)."""
        held, self._held = self._held, packet
        if held is not None:
            self._mux_now(held)

    def _mux_now(self, packet) -> None:
        """Mux a video packet (through the audio, which may hold it back: see AudioCopy), with
        its frame's length where it is known (see ``_durations``)."""
        if self._delay is None and packet.pts is not None and packet.dts is not None:
            self._delay = packet.pts - packet.dts
        if self.ext == ".avi" and packet.dts is not None:
            self._bridge(packet)
        if self._durations and packet.pts is not None and not packet.duration:
            ticks = self._durations.pop(packet.pts, None)
            if ticks:
                packet.duration = ticks
        self._to_muxer(packet)

    def _bridge(self, packet) -> None:
        """AVI: a pause of over AVI_MAX_SKIP ticks before video ``packet`` (a screen recording or
        a motion-triggered camera's 35 min still at 30 fps, 8 min on 120 fps ticks) failed the
        run, 'write failed (Invalid argument)': it is held by empty entries written AVI_MAX_SKIP
        ticks apart, the muxer's own between them.  The first frame, which the muxer puts
        first whatever its tick (shown from the start, through audio before it), is put there
        at once: one over AVI_MAX_SKIP ticks after the audio's start failed the same way."""
        last, dts = self._avi_dts, packet.dts
        if last is None and dts > AVI_MAX_SKIP:
            packet.pts = packet.dts = dts = 0
        while last is not None and dts - last - 1 > AVI_MAX_SKIP:
            last += AVI_MAX_SKIP + 1
            self._to_muxer(self._avi_empty_entry(last))
        self._avi_dts = dts

    def _to_muxer(self, packet) -> None:
        if self._audio is not None:
            self._audio.mux_video(packet)
        else:
            self._container.mux(packet)

    def abandon(self) -> None:
        """Give the file up while a write may still be running in another thread: the
        container is not touched again (closing it under that write crashed the process);
        the temporary file is removed, an earlier file at ``path`` stays."""
        self._closed = True
        self.abandoned = True
        # (kept referenced: a container freed under a running write is closed by PyAV)
        self._abandoned, self._container = self._container, None
        self._discard()

    def close(self, complete: bool = True) -> None:
        """Flush the encoder (``encode(None)``), copy the rest of the audio, write the trailer,
        then rename the finished file into place.  ``complete=False`` (the run failed): the
        temporary file is removed and an earlier file at ``path`` stays as it was."""
        import av

        from livecut.atomic import commit, identity

        c = self._container
        if c is None or self._closed:
            return
        self._closed = True
        if complete and self.keep_earlier and holds_earlier(self.path):
            complete, self.kept_earlier = False, True  # (thrown away, as a failed run's)
        if not complete:
            self._container = None
            self._close_audio()
            try:
                c.close()
            except Exception:  # noqa: BLE001 -- the file is thrown away anyway
                pass
            self._discard()
            return
        with self._creating():  # (a short video's file is created here)
            try:
                if self.frames:
                    self._last_length()
                    packets = ([self._held] if self._held is not None else []) + list(self._stream.encode(None))
                    self._held = None
                    if packets and self.ext in QUICKTIME_EXTS:
                        self._end_in_decode_order(packets)
                    for packet in packets:
                        self._mux(packet)
                    if self._held is not None:  # (the last, with its length now)
                        self._mux_now(self._held)
                        self._held = None
                    if self.ext == ".avi":
                        self._avi_last_length()
                    # on a complete run all the audio; after an interrupt or --frames N, only what
                    # the video covers
                    end = None if not self.cut_short else self._last_t + 1.0 / float(self._rate)
                    if self._audio is not None:  # (and flush transcoded audio: decoder and encoder)
                        self._audio.finish(end, self._last_t + 1.0 / float(self._rate))
                    if self._chapters:
                        # (the muxers write chapters set after the header with the trailer: those past
                        # the end of a cut made an .mp4 or .mov as long as the source, its chapter track)
                        c.set_chapters(cut_chapters(self._chapters, end))
                    for out, data in self._covers:  # (its covr, written with the index)
                        packet = av.Packet(data)
                        packet.stream, packet.time_base, packet.pts, packet.dts = out, out.time_base, 0, 0
                        c.mux(packet)
                self._container = None
                self._close_audio()
                languages = [(x.type, str((x.metadata or {}).get("language", "")).lower()) for x in c.streams]
                # (FFmpeg's iPod muxer writes no track's name: a dub's, a commentary's title was lost unsaid)
                titles = [f"{x.type} {x.metadata['title'][:40]!r}" for x in c.streams
                          if self.ext == ".m4v" and (x.metadata or {}).get("title")]
                c.close()
                if self.ext == ".mov" and self.frames:
                    mov_languages(self.tmp, languages)
            except (av.error.FFmpegError, OSError) as exc:
                self._container = None
                self._close_audio()
                try:
                    c.close()
                except Exception:  # noqa: BLE001
                    pass
                self._discard()
                error = _write_error(f"{self.path}: finishing the file failed", exc, self.path)
                _say_left(error, self.left)
                raise error from None
            except BaseException:
                self._discard()
                raise
        if not self.frames:
            self._discard()
            return
        self._finished = identity(self.tmp)
        try:
            left = commit(self.tmp, self.path, self.force)
        except BaseException:  # (a signal raised as commit was entered: the temporary file stayed)
            self._discard()
            raise
        if titles:
            n, them = (f"{len(titles)} track titles", "them") if len(titles) > 1 else ("a track title", "it")
            self.warnings.append(f"{n} ({', '.join(titles)}): a .m4v file cannot hold {them}; left out "
                                 f"(.mp4, .mov and .mkv keep {them})")
        if left:  # (an append-only folder: the temporary name stayed beside the video, unsaid)
            self.warnings.append(left)
        self.tmp = None

    @property
    def placed(self) -> bool:
        """Whether the finished file is at :attr:`path` now, whatever stopped :meth:`close`: a
        signal that aborts the finalizing (:func:`livecut.runner.finalize_on_signals`) raised
        once :func:`livecut.atomic.commit` renamed it into place (as it flushed the folder) left
        the whole output there, which the run then did not say."""
        from livecut.atomic import identity

        return self._finished is not None and identity(self.path) == self._finished

    def _last_length(self) -> None:
        """The last frame's length, when the run wrote the source to its end: its own
        (:attr:`last_end`), or up to where the source's video ends (SinkInfo.end) when that is
        later and within a few frames of it."""
        if self._durations is None:
            return
        ticks = self._last_ticks()
        if ticks:
            self._durations[self._last_pts] = ticks

    def _last_ticks(self) -> int:
        """The last frame's length in ticks (see _last_length); 0 where it is not known or
        the run was cut short."""
        end, last = self.info.end, self._last_pts
        if last is None or self.cut_short:
            return 0
        ticks = 0
        if self.last_end is not None:
            ticks = max(0, int(round(self.last_end / self.time_base)) - last)
            if self._grid is not None:  # (Matroska's 41 or 42 ms at 23.976 fps: the rate's own length)
                step, slack = self._grid
                on = round(ticks / step) * step
                ticks = on if on and abs(ticks - on) <= slack else ticks
        if end is not None:
            header = int(round(end / self.time_base)) - last
            if ticks < header <= MAX_LAST_FRAMES * self._frame_ticks:
                ticks = header
        return ticks

    def _avi_last_length(self) -> None:
        """AVI, a frame a tick: the last frame's length (see _last_length) as empty entries
        after it, as a paused recording's gap is held (a GIF's 1 s pause on its last picture
        was a tick's 0.1 s)."""
        ticks = self._last_ticks()
        if ticks > 1:
            self._mux_now(self._avi_empty_entry(self._last_pts + ticks - 1))

    def _avi_empty_entry(self, tick: int):
        """An empty video entry at ``tick`` (AVI: the picture before it held, see _bridge)."""
        import av

        empty = av.Packet(0)
        empty.stream, empty.time_base = self._stream, self.time_base
        empty.pts = empty.dts = tick
        return empty

    def _end_in_decode_order(self, packets: list) -> None:
        """MP4 and MOV: the last frame's length (see _last_length) given as the track's end to
        the last packet in decoding order, whose length is the one these files keep (the
        others' are the gaps between decoding times): with B-frames it is another frame's, and
        a GIF's 1 s pause on its last picture was cut to a frame's 0.1 s."""
        last, want = packets[-1], (self._durations or {}).get(self._last_pts)
        if not want or last.pts is None or last.pts == self._last_pts or last.dts is None:
            return
        delay = self._delay
        if delay is None:  # (every packet came at the flush)
            first = packets[0]
            delay = first.pts - first.dts if first.pts is not None and first.dts is not None else 0
        ticks = self._last_pts + want - last.dts - delay
        if ticks > 0:
            self._durations[last.pts] = ticks

    def _close_audio(self) -> None:
        audio, self._audio = self._audio, None
        if audio is not None:
            audio.close()


#: the names of a PNG sequence's frames (``frame_000000.png``, ...)
FRAME_PATTERN = "frame_*.png"


class PngSequenceSink:
    """Writes ``DIR/frame_000000.png``, ... (BGRA, BGR or gray as given)."""

    main_thread = False

    def __init__(self, path: str | Path, info: SinkInfo, cfg: VideoConfig | None = None, *,
                 force: bool = False):
        self.path = Path(path)
        self.info = info
        self.force = force
        self.frames = 0
        self.warnings: list[str] = []
        self.keep_earlier = self.kept_earlier = False  # (see VideoFileSink.keep_earlier)
        #: frames go to this hidden folder next to ``path`` until the run is complete
        self.tmp: Path | None = None
        self.left: str | None = None  # (see VideoFileSink.left)
        self._closed = False
        #: whether the finished frames are in ``path`` now, whatever stopped :meth:`close` (see
        #: VideoFileSink.placed: a signal raised once they were moved there, as it was flushed)
        self.placed = False
        if info.audio_from is not None:
            self.warnings.append("a PNG sequence has no audio; the audio is not copied")
        #: pictures carry no display rotation: written as the video is shown
        self._upright = Upright(info.rotation)
        #: a picture that changes size mid-run is fitted into the first frame's size, as every
        #: output fits it and as one whose pixels change shape was (it kept its own size, unsaid)
        self._fit = Fitter()
        sar = info.sample_aspect
        if sar:  # (as a libvpx video says it: see VideoFileSink; as shown: turned, 1/sar)
            shown = 1 / sar if self._upright.quarter else sar
            self.warnings.append(_squeezed(shown, "PNG frames cannot say their shape (.mp4, .mkv, .mov keep it)"))
        #: the first frame's time, and the most seconds a frame is off its time when the sequence
        #: is played at the video's rate: a variable rate's timing lost is said (see close)
        self._first_pts: float | None = None
        self._pts_off = 0.0

    def __enter__(self) -> "PngSequenceSink":
        from livecut.atomic import stale_left, temp_path

        _check_once(self)
        self.warnings += stale_left(self.path)  # what a killed run left for this name (kept: said)
        # (-o frames/, a link to a folder on another disk, `ln -s /mnt/disk2/frames frames`: the
        # frames are made beside the folder it names, on its disk; made beside the link, they could
        # not be moved there, "cannot move the finished frames into place (Invalid cross-device
        # link)", exit 1, the run's work lost)
        where = Path(os.path.realpath(self.path)) if self.path.is_symlink() and self.path.is_dir() else self.path
        # (the root of a disk, -o /media/usb/: inside it, on that disk; beside it, on the disk it is
        # mounted on, they could not be moved there, "Device or resource busy", exit 1)
        if where.name and where.is_dir() and os.path.ismount(where):
            where = where / where.name
        if where != self.path:
            self.warnings += stale_left(where)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_path(where, keep_suffix=False)  # (its folder made: held, see atomic.unfinished)
            tmp.mkdir()
        except OSError as exc:
            raise _write_error(f"{self.path}: cannot create folder", exc) from None
        self.tmp = tmp
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(complete=exc_type is None)
        _say_left(exc, self.left)

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        if self.tmp is None:  # (before `with`, or after close: a bare TypeError)
            raise _not_open(self)
        # (16-bit: a 16-bit PNG; a float frame was written as levels 0 and 1, black)
        check_frame(image, str(self.path), (np.uint8, np.uint16))
        check_pts(pts, str(self.path))  # (kept only to say a timing the frames lose: see close)
        name = f"frame_{self.frames:06d}.png"
        if self.info.width and self.info.height:
            image = self._fit(image, self.info.width, self.info.height, self.warnings)
        image = self._upright(image)
        ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise VideoWriteError(f"{self.path / name}: cannot encode")
        try:
            with open(self.tmp / name, "wb") as fh:  # (ndarray.tofile hides ENOSPC)
                fh.write(buf.data)
        except OSError as exc:
            raise _write_error(f"{self.path / name}: cannot write", exc, self.path) from None
        self.frames += 1
        if pts is not None and self.info.fps and self.info.fps > 0:
            if self._first_pts is None:
                self._first_pts = pts
            played = self._first_pts + (self.frames - 1) / self.info.fps  # (where it falls when played)
            self._pts_off = max(self._pts_off, abs(pts - played))

    def _timing_lost(self) -> str | None:
        """The warning that the frames, a sequence played at the video's rate, are
        :data:`LATE_SAID` or more (and over a frame) off their times (a variable frame rate: a
        phone's, a recording that pauses; its timing was lost unsaid, where the README said a
        variable rate keeps its timestamps); None where they are not."""
        fps = self.info.fps
        if self._pts_off < max(LATE_SAID, 1 / fps if fps else 0):
            return None
        return (f"PNG frames keep no times: played at {fps:g} fps, the frames of this variable frame rate "
                f"are up to {self._pts_off:.2f} s off their times (.mp4, .mkv, .mov keep them)")

    def close(self, complete: bool = True) -> None:
        """Move the frames into ``path`` (complete run) or throw them away (failed run)."""
        from livecut.atomic import commit_dir, discard

        if self._closed or self.tmp is None:
            return
        self._closed = True
        tmp, self.tmp = self.tmp, None
        if complete and self.keep_earlier and holds_earlier(self.path, FRAME_PATTERN):
            complete, self.kept_earlier = False, True  # (see VideoFileSink.keep_earlier)
        if not complete or not self.frames:
            discard(tmp)
            # (a folder that lets no name be removed, append-only: the frames' temporary folder
            # stayed, unsaid)
            self.left = _left_behind(tmp, self.path, "folder")
            if self.left:
                self.warnings.append(self.left)  # (said after a Ctrl-C: see runner._note_warnings)
            return
        try:
            left = commit_dir(tmp, self.path, self.force, FRAME_PATTERN)
            self.placed = True
        except BaseException:  # (a signal raised as commit_dir was entered: the folder stayed)
            # (or once the frames were moved: none left in it, the folder renamed or emptied; its
            # moves are not parted by a signal, see commit_dir)
            self.placed = self.placed or (next(tmp.glob(FRAME_PATTERN), None) is None
                                          and next(self.path.glob(FRAME_PATTERN), None) is not None)
            discard(tmp)
            raise
        if left:  # (an append-only folder: the empty temporary folder stayed beside the frames, unsaid)
            self.warnings.append(left)
        lost = self._timing_lost()
        if lost:
            self.warnings.append(lost)


@register_sink("file", lambda spec: spec not in ("", "-") and "://" not in spec, check=_check_spec)
def open_file_sink(spec: str, info: SinkInfo, cfg: VideoConfig, *, force: bool = False,
                   inputs: tuple = (), **_: object):
    from livecut.frames import check_flag

    force = check_flag(force, "force", "open_sink")  # ('no' overwrote the file: it is truthy)
    out = check_output(spec, inputs, force)
    if is_dir_spec(spec):
        return PngSequenceSink(out, info, cfg, force=force)
    return VideoFileSink(out, info, cfg, force=force)  # (~ expanded, as it was checked)
