"""Deinterlacing of decoded video frames (``video.deinterlace``), for files and network streams.

Interlaced video (a camcorder's 1080i, DV, a TV recording, an IPTV or broadcast feed) carries
two fields, taken a field apart, woven into each frame: cut as they are they comb where the
picture moves (and the mask is drawn round the comb's teeth).  :func:`bwdif_options` says
whether and how to deinterlace; :func:`deinterlaced` does it with FFmpeg's bwdif, a frame for a
frame (``mode=send_frame``: the frame rate, the count and the timestamps kept; each frame's
colour tags with it).  bwdif looks one frame ahead: each frame comes out when the next one has
gone in (a live stream's frames come one frame later), the last one at the end.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from livecut.errors import VideoOpenFailure

#: AVFieldOrder -> words (1 is progressive, 0 unknown)
FIELD_ORDERS = {2: "top field first", 3: "bottom field first", 4: "top field first", 5: "bottom field first"}


def bwdif_options(mode: str, flagged: bool, field_order: int) -> dict[str, str] | None:
    """bwdif's options for a video whose first frame is (``flagged``) interlaced or not, whose
    stream states ``field_order`` (an AVFieldOrder), with ``video.deinterlace`` = ``mode``; None
    when it is not to be deinterlaced (off, or auto and nothing says it is interlaced)."""
    order = FIELD_ORDERS.get(field_order)
    if not (mode == "on" or mode == "auto" and (flagged or order is not None)):
        return None
    # (the frames flagged interlaced, where the video flags them: a recording that mixes
    # progressive stretches keeps those as they are; field order from the frames)
    return {"mode": "send_frame", "deint": "interlaced" if flagged and mode == "auto" else "all",
            "parity": "auto" if flagged or order is None else ("tff" if field_order in (2, 4) else "bff")}


def deinterlaced_once_flagged(frames: Iterator, field_order: int, name: str, time_base: Any = None,
                              started: Any = None) -> Iterator:
    """``frames`` (a progressive video's, by its first frame: ``video.deinterlace`` auto) as
    they are until one is flagged interlaced -- an interlaced part after a progressive one: a TV
    recording's programme after its advert, recordings joined end to end --, then deinterlaced
    from that one (see :func:`deinterlaced`; the frames flagged interlaced); ``started()`` is
    called then.  (Asked of the first frame alone, the interlaced part was cut woven, combing
    where it moved, and nothing said so.)  ``frames`` is closed with this one."""
    def from_there(first, rest: Iterator) -> Iterator:
        if started is not None:
            started()
        return deinterlaced(rest, bwdif_options("auto", True, field_order), name, first=first,
                            time_base=time_base)

    return _from_first_flagged(frames, from_there)


def said_once_flagged(frames: Iterator, say: Any) -> Iterator:
    """``frames`` (a video progressive by its first frame, cut as it is: ``video.deinterlace``
    off) as they are; ``say()`` is called at the first one flagged interlaced -- an interlaced
    part after a progressive one, cut woven: said once (asked of the first frame alone, it went
    unsaid) --, the frames after it no longer looked at.  ``frames`` is closed with this one."""
    def from_there(first, rest: Iterator) -> Iterator:
        say()
        yield first
        yield from rest

    return _from_first_flagged(frames, from_there)


def _from_first_flagged(frames: Iterator, from_there: Any) -> Iterator:
    """``frames`` as they are up to the first one flagged interlaced, then what
    ``from_there(that_frame, the_rest)`` yields; ``frames`` is closed with this one."""
    try:
        for f in frames:
            if getattr(f, "interlaced_frame", False):
                yield from from_there(f, frames)
                return
            yield f
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()


def _message(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '")[0].strip() or type(exc).__name__


def deinterlaced(frames: Iterator, options: dict[str, str], name: str, first: Any = None,
                 time_base: Any = None) -> Iterator:
    """``first`` (when given), then ``frames``, deinterlaced by FFmpeg's bwdif with ``options``
    (see :func:`bwdif_options`), a frame for a frame; ``time_base``: the frames' own when they
    have none.  A frame of another size or pixel format than the one before (a change
    mid-stream) ends the graph and starts another.  An error of the filter raises
    :class:`VideoOpenFailure` naming ``name``; an error of ``frames`` (a connection lost, a read
    error) passes as it is once the frame held for bwdif's look ahead is given (nothing decoded
    is lost).  ``frames`` is closed with this one."""
    import av

    graph = sink = tb = None
    key = None

    def failed(exc: BaseException) -> VideoOpenFailure:
        return VideoOpenFailure(f"{name}: cannot deinterlace the video ({_message(exc)}); "
                                "--set video.deinterlace=off cuts it as it is")

    def push(f) -> list:
        """Push ``f`` (None: the end) and pull what comes out."""
        out = []
        try:
            graph.push(f)
            while True:
                try:
                    g = sink.pull()
                except (av.error.BlockingIOError, av.error.EOFError):
                    break
                # (bwdif halves the time base, for the fields: back on the frames' own, where
                # their decoding time, AVI's, is too; their length with them -- the last frame
                # lasted two)
                if g.time_base and g.time_base != tb:
                    if g.pts is not None:
                        g.pts = round(g.pts * g.time_base / tb)
                    if g.duration:
                        g.duration = round(g.duration * g.time_base / tb)
                g.time_base = tb
                out.append(g)
        except av.error.FFmpegError as exc:
            raise failed(exc) from None
        return out

    source = itertools.chain([first] if first is not None else [], frames)
    try:
        while True:
            try:
                f = next(source)
            except StopIteration:
                break
            except Exception:
                # (a connection lost, a read error: the frame bwdif holds for its look ahead is
                # given first -- it was decoded -- then the error; a live stream reconnected
                # after it lost that frame without a word)
                if graph is not None:
                    try:
                        held = push(None)
                    except VideoOpenFailure:
                        held = []
                    graph = key = None
                    yield from held
                raise
            k = (f.width, f.height, f.format.name)
            if k != key:
                if graph is not None:
                    yield from push(None)
                key, tb = k, f.time_base or time_base
                try:
                    graph = av.filter.Graph()
                    src = graph.add_buffer(width=f.width, height=f.height, format=f.format, time_base=tb)
                    bwdif = graph.add("bwdif", ":".join(f"{n}={v}" for n, v in options.items()))
                    sink = graph.add("buffersink")
                    src.link_to(bwdif)
                    bwdif.link_to(sink)
                    graph.configure()
                except av.error.FFmpegError as exc:
                    raise failed(exc) from None
            yield from push(f)
        if graph is not None:
            yield from push(None)
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()  # (the decoding generator, closed with this one)
