"""Pipe and network output through PyAV.

* ``-``: a stream container on stdout for ``ffmpeg -i -`` / ``ffplay -``:
  NUT with raw frames (``video.pipe_format = "nut"``, lossless, keeps a cutout's
  alpha, no encoding cost) or MPEG-TS with H.264 (``"mpegts"``); every frame is
  written, none dropped;
* ``udp://HOST:PORT``, ``srt://HOST:PORT``, ``tcp://HOST:PORT``: MPEG-TS with
  low-latency H.264 (``pkt_size=1316`` and a 4 MB ``buffer_size`` added for UDP); SRT through an ``ffmpeg``
  subprocess (:mod:`livecut.srtbridge`), which sends the MPEG-TS unchanged; TCP through a
  socket of livecut's own (connected, or listening with ``?listen=1``), whose waits a
  signal ends;
* ``rtsp://HOST:PORT/PATH``: published to an RTSP server (ANNOUNCE/RECORD, TCP), through the
  same relay as RTMP (see below): FFmpeg connects and publishes holding the GIL, up to
  ``video.open_timeout``, and only the relay can cut that short on a signal (Ctrl-C was ignored
  until the timeout); over UDP the relay carries the requests and answers alone, and names the
  server in them as the RTP packets' destination;
* ``rtsps://HOST:PORT/PATH``: RTSP over TLS, always over TCP (as FFmpeg's rtsps:// is), through
  the relay, which speaks TLS to the server and checks its certificate (``video.tls_verify``)
  as for ``rtmps://``: FFmpeg publishes plain RTSP to the relay;
* ``rtmp://...``, ``rtmps://...``: FLV to an RTMP server, through a local relay process that
  gives the connection the time limits FFmpeg's RTMP output lacks (:mod:`livecut.rtmprelay`):
  ``video.open_timeout`` to publish, ``video.read_timeout`` for a server that stops taking data.

A file's audio goes with its video (:mod:`livecut.sinks.audio`), on the source's timeline.
Timestamps come from the source (seconds) when given, made strictly increasing;
otherwise frames are 1/fps apart.  Encoders are flushed with ``encode(None)``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import socket
import sys
import threading
import time
from fractions import Fraction
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

import av
import numpy as np

from livecut.config import VideoConfig, video_option
from livecut.errors import UsageError, VideoWriteError
from livecut.i420 import describe_bt709 as _describe
from livecut.pacing import MAX_WAIT, Pacer
from livecut.resize import Fitter
from livecut.rtmprelay import RtmpRelay
from livecut.sinks import register_sink
from livecut.sinks.audio import AudioCopy
from livecut.sinks.base import (PACKED_FORMATS, X264_MAX_SIDE, SinkInfo, check_frame, check_pts, fps_fraction,
                                fps_text, packed_frame)
from livecut.frames import Upright
from livecut.srtbridge import (FfmpegBridge, PipeWriter, check_listener_address, ffmpeg_for_srt, hidden_options,
                               output_args, presets_reach_the_output)
from livecut.urls import (hide_secrets, is_output_url, lower_scheme, redact_text, redact_url, scrub_message,
                          srt_options, tcp_listens, url_problem, url_scheme, url_secrets, with_query)

log = logging.getLogger("livecut")

TIME_BASE = Fraction(1, 90000)
#: how long (µs) the muxer may hold packets of one stream waiting for another's
MAX_INTERLEAVE_US = 200_000
#: seconds between looks at a cancel while waiting for a tcp:// viewer (see _TcpViewer)
POLL = 0.1
#: how an srt:// caller's ffmpeg says (see srtbridge) that its stream never started
_SRT_UNSTARTED = ("no SRT peer answered", "no host is known by the name ", "the host name ")
#: a udp:// output's send buffer (bytes; the kernel caps it at net.core.wmem_max): see StreamSink
UDP_SEND_BUFFER = 4 * 1024 * 1024
#: the kind of output each container format is for the audio it takes (livecut.sinks.audio.AUDIO_OK)
_AUDIO_KIND = {"mpegts": ".ts", "rtsp": ".rtsp", "flv": ".flv"}


class StreamSink:
    """Write frames to stdout or a network URL; see the module docstring."""

    def __init__(self, spec: str, info: SinkInfo, cfg: VideoConfig | None = None, *,
                 pipe_format: str | None = None, pace: bool | Callable[[], bool] | None = None) -> None:
        spec = lower_scheme(spec)
        self.spec = spec
        #: a stream is watched as it plays: a live run hands it its newest frame, the older ones
        #: waiting dropped (see runner.Pipeline._newest_only); stdout, ``-o -``, may be a recording
        self.live_view = spec != "-"
        self.info = info
        self.cfg = cfg or VideoConfig()
        if pipe_format is not None:  # ('NUT' was a bare KeyError, 'xyz' a ValueError, 5 a TypeError)
            pipe_format = video_option(self.cfg, "pipe_format", pipe_format, "open_sink", "'nut' or 'mpegts'")
        self.safe = "stdout" if spec == "-" else redact_url(spec, publishing=True)
        self.fps = fps_fraction(info.fps)
        self.frames = 0
        self._container: Any = None
        self._stream: Any = None
        self._bridge: FfmpegBridge | None = None   # srt://: the ffmpeg subprocess
        self.srt = False
        self._relay: RtmpRelay | None = None       # rtmp(s)://, rtsp(s)://: the relay process
        self.relayed = False                        # (published through the relay)
        self._closed = False
        self._last_ticks: int | None = None
        self._pts0: float | None = None
        self._last_frame: Any = None  # (the last frame sent, refilled for the next: see _hold_last)
        #: notes for the run's summary (audio dropped or transcoded)
        self.warnings: list[str] = []
        self._fit = Fitter()
        #: NUT, MPEG-TS, RTSP and FLV cannot say a video is turned (a phone's portrait clip):
        #: its frames are sent turned upright, as into AVI (they played sideways)
        self._upright = Upright(info.rotation)
        #: set when the run stopped before the source's end: carry only the audio the video covers
        self.cut_short = False
        self._audio: AudioCopy | None = None
        scheme = url_scheme(spec)
        problem = (url_problem(spec) or _output_problem(spec)) if spec != "-" else None
        if problem:
            raise UsageError(f"{self.safe}: {problem}")
        options: dict[str, str] = {}
        if spec == "-":
            fmt = pipe_format or self.cfg.pipe_format
            self.url, self.format = "pipe:1", fmt
            self.raw = fmt == "nut"
        elif scheme in ("udp", "srt", "tcp"):
            self.url, self.format, self.raw = spec, "mpegts", False
            if scheme == "udp":
                # (buffer_size: the socket's send buffer; FFmpeg's own 32 KB filled in a moment where
                # the kernel held the packets -- a local address nobody holds, whose look-up fails
                # for seconds -- and each write waited: a 4 s clip took 200 s, then "succeeded".
                # With room, the kernel drops what cannot go, as UDP does: the run is not slowed)
                self.url = with_query(spec, pkt_size="1316", buffer_size=str(UDP_SEND_BUFFER))
                # (as PyAV's FFmpeg reads it: the last one given -- the first was taken, and
                # ?buffer_size=1048576&buffer_size=65536 named 1048576 where 65536 held the writes)
                given = (item.partition("=") for item in spec.partition("?")[2].split("&"))
                own = [value.strip() for key, _, value in given if key == "buffer_size"]
                self._udp_buffer = int(own[-1]) if own and own[-1] else None
            # tcp://...?listen=1 (or a bare ?listen, as FFmpeg reads it) waits for a viewer to
            # connect; livecut connects or listens itself (see _open_tcp)
            self._listens = scheme == "tcp" and tcp_listens(spec)
            self.tcp = scheme == "tcp"
            # PyAV's FFmpeg has no SRT: MPEG-TS goes through an ffmpeg subprocess
            self.srt = scheme == "srt"
        elif scheme in ("rtsp", "rtsps"):
            self.url, self.format, self.raw = spec, "rtsp", False
            # (rtsps://: TCP whatever video.rtsp_transport, as FFmpeg reads one: RTP over UDP
            # would leave the TLS connection unencrypted)
            options["rtsp_transport"] = "tcp" if scheme == "rtsps" else self.cfg.rtsp_transport
            # socket I/O timeout (µs): PyAV's timeout= covers inputs only, and a server that
            # accepts but never answers the ANNOUNCE held the run for ever (deaf to Ctrl-C)
            options["timeout"] = str(int(self.cfg.open_timeout * 1_000_000))
            # (rtsps://: the relay speaks TLS to the server, FFmpeg plain RTSP to the relay; over
            # UDP it carries the requests and answers, the RTP packets go to the server straight:
            # without it, the server's refusal was said only in FFmpeg's words)
            self.relayed = True
        elif scheme in ("rtmp", "rtmps"):
            # (FFmpeg publishes to a local relay: PyAV opens outputs without a time limit)
            self.url, self.format, self.raw = spec, "flv", False
            self.relayed = True
        else:
            raise VideoWriteError(f"{self.safe}: not a pipe or network output")
        # (audio that ends before the video, or starts after it: the muxer held up to 10 s of
        # video waiting for it, its default; the audio comes in time order, little is needed)
        options["max_interleave_delta"] = str(MAX_INTERLEAVE_US)
        self.container_options = options
        # network outputs play in real time (like ffmpeg -re); the pipe takes every frame at once.
        # A file's frames are all waited for, however long its video holds the one before (a
        # screen recording of a still screen, a slideshow: no jump guard, a file's timestamps
        # that jump are mended, see livecut.sources.file.Timeline); cancel() ends the wait
        self._woken = threading.Event()
        if pace is not None and not callable(pace):
            from livecut.frames import check_flag

            pace = check_flag(pace, "pace", "open_sink")  # ('no' is truthy: it was paced)
        #: ``pace`` a callable: paced while it says so (a stream on probation: see runner.run_video)
        self._paced = pace if callable(pace) else None
        if self._paced is not None:
            pace = None  # (a pacer where there is one by default: not on stdout)
        self._pacer = (Pacer(float(self.fps), sleep=self._woken.wait,
                             max_wait=None if info.source_file is not None else MAX_WAIT)
                       if (spec != "-" if pace is None else pace) else None)
        #: the source's non-square pixels (720x576 16:9), said by the H.264 of a stream as by a video
        #: file's (it played squeezed, 5:4); raw NUT frames cannot say it, and the run says so
        sar = info.sample_aspect if info.sample_aspect and info.sample_aspect != 1 else None
        self._sar = 1 / sar if sar and self._upright.quarter else sar
        if sar and self.raw:
            shown = self._sar  # (said as shown: a turned picture's pixels are 1/sar)
            self.warnings.append(f"non-square pixels ({shown.numerator}:{shown.denominator}) "
                                 "sent as square, the picture squeezed: raw NUT frames cannot say their shape "
                                 "(video.pipe_format=mpegts keeps it)")
        self.channels = info.channels if info.channels in PACKED_FORMATS else 3
        self._packed: dict = {}  # the encoder's input frame, refilled for each (see packed_frame)
        self._vframe = None  # the same for H.264 (yuv420p), and its conversion's buffers (_frame_i420)
        self._to_i420 = None  # (its conversion: composite.ToI420)
        if not self.raw and self.channels == 4:
            # (it was sent without its alpha, a warning in the log: the cutout's colour is the
            # whole frame, so the viewer got the picture uncut, and the run said it succeeded)
            raise UsageError(_NO_ALPHA.format(self.safe))

    # ------------------------------------------------------------ open / close

    def open(self) -> "StreamSink":
        if self._container is not None:
            return self
        if self._closed:
            raise VideoWriteError(f"{self.safe}: already closed")
        w, h = self._upright.size(int(self.info.width), int(self.info.height))
        if not self.raw and (w % 2 or h % 2):  # yuv420p needs even sizes (said, as a video file says it)
            keep = "; -o - with video.pipe_format=nut keeps every pixel" if self.spec == "-" else ""
            said = f"frames {w}x{h} sent as {w - w % 2}x{h - h % 2} (H.264 in 4:2:0 needs even sides{keep})"
            if said not in self.warnings:  # (an open tried again)
                self.warnings.append(said)
            w, h = w - w % 2, h - h % 2
        if not self.raw and max(w, h) > X264_MAX_SIDE:
            # (it was "cannot start the stream: Generic error in an external library", exit 1)
            keep = ("; -o - with video.pipe_format=nut sends every pixel" if self.spec == "-"
                    else "; crop or scale the video first")
            raise UsageError(f"{self.safe}: frames {w}x{h} cannot be sent in H.264 (x264 takes at most "
                             f"{X264_MAX_SIDE} pixels a side){keep}")
        self.width, self.height = w, h
        if self.spec == "-":
            _check_stdout()
            sys.stdout.flush()
        t0 = time.monotonic()
        try:
            if self.srt:
                container = self._open_srt()
            elif self.tcp:
                container = self._open_tcp()
            else:
                url = self.url
                if self.relayed:
                    self._relay = RtmpRelay(self.spec, self.cfg.open_timeout, self.cfg.read_timeout,
                                            verify=self.cfg.tls_verify,
                                            rtp_source=self.container_options.get("rtsp_transport") == "udp")
                    url = self._relay.local_url
                container = av.open(url, mode="w", format=self.format,
                                    options=self.container_options,
                                    timeout=(self.cfg.open_timeout, self.cfg.read_timeout))
        except av.error.ProtocolNotFoundError:
            raise VideoWriteError(f"{self.safe}: the {url_scheme(self.spec)}:// protocol is not in "
                                  "this PyAV/FFmpeg build") from None
        except (av.error.FFmpegError, OSError) as exc:
            reason = self._reason(exc)
            self._stop_bridge()
            self._stop_relay()
            self._stop_tcp()
            raise VideoWriteError(f"{self.safe}: cannot start the stream: {reason}") from None
        except BaseException as exc:  # (a signal while waiting for a viewer; none came in time)
            if self.tcp and isinstance(exc, KeyboardInterrupt):
                # (the run's line says why nothing reached the output, as srt:// says it: it said
                # only "interrupted")
                self.unreached = "no viewer connected" if self._listens else "no viewer answered"
            self._stop_tcp()
            raise
        try:
            stream = self._add_video(container, w, h)
            self._add_audio(container)
            if self.spec != "-":
                # connect now (header), so a refused/unknown URL fails here, not at the first frame
                if self.srt or self.tcp:  # (its header goes to ffmpeg's pipe or the viewer's
                    # socket, from Python: a signal is raised there)
                    container.start_encoding()
                else:
                    self._start(container)
        except av.error.ProtocolNotFoundError:
            self._close_audio()
            container.close()
            self._stop_relay()
            raise VideoWriteError(f"{self.safe}: the {url_scheme(self.spec)}:// protocol is not in "
                                  "this PyAV/FFmpeg build") from None
        except (av.error.FFmpegError, OSError) as exc:
            reason = self._reason(exc)
            # (the server sent not a byte, a TLS handshake's neither: see _plain_behind_tls)
            unanswered = self._relay is not None and not self._relay.answered and not self._started
            self._close_audio()
            container.close()
            self._stop_bridge()
            self._stop_relay()
            self._stop_tcp()
            limit = self.cfg.open_timeout
            if self._woken.is_set():  # (cancel() meanwhile: it was "no answer within 10 s" at once)
                raise VideoWriteError(f"{self.safe}: cancelled while connecting") from None
            if "timeout" in self.container_options and time.monotonic() - t0 >= limit * 0.95:
                if unanswered and (plain := self._plain_behind_tls()):
                    raise VideoWriteError(f"{self.safe}: cannot start the stream: {plain}") from None
                if reason.startswith("no answer to the TLS handshake within "):
                    # (rtsps://: the relay connected and its ClientHello went unanswered, as an
                    # rtmps:// output says it -- FFmpeg's own time limit said "no answer within 3 s")
                    raise VideoWriteError(f"{self.safe}: {reason}") from None
                raise VideoWriteError(f"{self.safe}: no answer within {limit:g} s") from None
            if reason.startswith(("no answer within ", "no answer to the TLS handshake within ")):
                # (the relay's open time limit, rtmp(s)://: said as rtsp://, tcp:// and the
                # inputs say it -- it was "cannot start the stream: no answer within 3 s")
                raise VideoWriteError(f"{self.safe}: {reason}") from None
            raise VideoWriteError(f"{self.safe}: cannot start the stream: {reason}") from None
        except BaseException as exc:  # a signal while the stream opened: nothing is left behind
            if self._relay is not None and isinstance(exc, KeyboardInterrupt):
                # (the run's line says why nothing reached the output, as tcp:// and srt:// say
                # it: it said only "interrupted")
                self.unreached = ("the server answered but did not take the stream" if self._relay.answered
                                  else "the server did not answer")
            self._close_audio()
            if not self._opening:
                container.close()
            self._stop_bridge()
            self._stop_relay()
            self._stop_tcp()
            raise
        self._container, self._stream = container, stream
        self._started = True
        if url_scheme(self.spec) == "udp":
            self._udp_ip = _ipv4_of(urlsplit(self.spec).hostname)
        self._streaming = ("streaming to %s: %s %s %dx%d @ %s fps%s", self.safe, self.format,
                           "raw " + stream.pix_fmt if self.raw else "h264", w, h, fps_text(self.fps),
                           " (through ffmpeg)" if self.srt else "")
        # (an srt:// output says it once its peer connected: see _say_streaming -- a listener said
        # "streaming to ..." at once, then "no viewer connected within 10 s", a caller then "cannot
        # start the stream: no SRT peer answered")
        self._say_streaming()
        return self

    def _add_video(self, container: Any, w: int, h: int) -> Any:
        """The output's video stream in ``container`` (a fresh encoder: its first frame a key
        frame with the stream's headers; see _rejoin)."""
        if self.raw:
            stream = container.add_stream("rawvideo", rate=self.fps)
            stream.pix_fmt = PACKED_FORMATS[self.channels]
        else:
            stream = container.add_stream("libx264", rate=self.fps)
            stream.pix_fmt = "yuv420p"
            kbps = self.cfg.stream_bitrate
            stream.bit_rate = kbps * 1000
            gop = max(1, round(float(self.fps)))   # a key frame every second: fast joins
            stream.gop_size = gop
            stream.codec_context.max_b_frames = 0
            if self._sar:
                stream.codec_context.sample_aspect_ratio = self._sar
            if self.info.matrix == "bt709" or (self.info.color_tags and self.channels != 1):  # as the source said (see VideoFileSink)
                _describe(stream.codec_context, self.info.color_tags, self.info.matrix)
            stream.options = {"preset": "ultrafast" if w * h > 1280 * 720 else "veryfast",
                              "tune": "zerolatency", "maxrate": f"{kbps}k",
                              "bufsize": f"{kbps}k", "x264-params": "repeat-headers=1"}
        stream.width, stream.height = w, h
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        stream.codec_context.framerate = self.fps
        return stream

    #: "streaming to ...", until said (see _say_streaming)
    _streaming: tuple | None = None

    def _say_streaming(self) -> None:
        """Say "streaming to ...": at the start, or for an srt:// output once its peer connected (a
        listener's viewer called, a caller's peer answered: its ffmpeg sent, see
        FfmpegBridge.sent), at a write or at the end."""
        if self._streaming is None:
            return
        bridge = self._bridge or self._finishing
        if self.srt and (bridge is None or not bridge.sent()):
            return
        said, self._streaming = self._streaming, None
        log.info(*said)

    #: a network output's start that did not end when it was given up: its container is not touched
    _opening = False
    #: tcp://...?listen=1: waits for a viewer to connect (see __init__)
    _listens = False
    #: tcp://: the viewer's socket (and, for ?listen=1, the listening one; see _open_tcp)
    _tcp: "_TcpViewer | None" = None
    tcp = False
    #: the stream was opened (its header sent)
    _started = False
    #: FFmpeg's log of the network output's start (see _start)
    _watch = None
    #: udp://: the IPv4 address sent to, looked up in the kernel's neighbours (see _look_udp)
    _udp_ip: str | None = None
    _udp_next = 0.0
    _udp_since: float | None = None
    _udp_said: int | None = None
    #: udp://: seconds the writes waited in all (the packets' mux), and that when _udp_since was set
    _udp_waited = 0.0
    _udp_waited_from = 0.0
    #: udp://: the URL's own buffer_size, kept (see _look_udp), or None
    _udp_buffer: int | None = None

    def _start(self, container: Any) -> None:
        """``container.start_encoding()`` for a network output (FFmpeg connects, and publishes).

        FFmpeg holds the GIL while it does, so it runs in a thread of its own and this one
        waits: a signal meanwhile (Ctrl-C, SIGTERM) is written to the relay (rtmp(s)://,
        rtsp(s)://) by Python's C handler, the relay gives up, FFmpeg returns, and the
        handler's exception is raised here -- raised in FFmpeg's thread, inside PyAV's error
        handling, it was lost.  (udp:// has no relay: FFmpeg waits on no peer there.)"""
        from livecut.sources.stream import _ChunkWatch

        relay = self._relay
        failed: list[BaseException] = []
        done = threading.Event()
        # (rtmp(s)://: FFmpeg's log of the publish, for the server's words when it refuses it)
        watch = self._watch = _ChunkWatch()
        if self.format == "flv":
            watch.start()

        def start() -> None:
            try:
                with watch.reading():
                    container.start_encoding()
            except BaseException as exc:  # noqa: BLE001 -- raised in the waiting thread
                failed.append(exc)
            finally:
                done.set()

        with relay.wake_on_signals() if relay is not None else contextlib.nullcontext():
            try:
                threading.Thread(target=start, name="livecut-stream-open", daemon=True).start()
                while not done.wait(0.05):
                    pass
            except BaseException:
                if relay is not None:
                    relay.cancel()  # (FFmpeg's wait on the relay ends at once)
                self._opening = not done.wait(5.0)
                raise
            finally:
                watch.stop()
        if failed:
            raise failed[0]
        if relay is not None:
            relay.opened()

    def _add_audio(self, container: Any) -> None:
        """From a file: its audio streams beside the video (copied, or transcoded to AAC when
        the stream's container cannot take them), on the source's timeline."""
        kind = ".nut" if self.raw else _AUDIO_KIND[self.format]
        self._audio = AudioCopy.open(container, self.info.audio_from, kind, self.info.start, self.warnings)
        if self._audio is not None:
            self._pts0 = 0.0  # the video keeps the source's times, as the audio does

    def _close_audio(self) -> None:
        audio, self._audio = self._audio, None
        if audio is not None:
            audio.close()

    def _query(self) -> dict[str, str]:
        if self.srt:  # (as its ffmpeg reads it: to the URL's end, a # in a stream ID #!::...)
            return srt_options(self.spec)
        # (as FFmpeg, PyAV's, reads a tcp:// URL: a name as written -- TIMEOUT= is none --, the
        # last of a repeated one; they were read in any case, the last here, the first listen=)
        return dict(parse_qsl(urlsplit(self.spec).query))

    def _srt_listener(self) -> bool:
        return self._query().get("mode", "caller").lower() == "listener"

    def _listen_limit(self) -> float:
        """Seconds a listening output (tcp ``listen=1``, srt ``mode=listener``) waits for its
        viewer: the URL's own ``listen_timeout`` where it has one (ms for tcp, µs for srt;
        FFmpeg, and livecut for tcp, take it over ours), else video.open_timeout."""
        return self._query_seconds("listen_timeout", 1e6 if self.srt else 1e3, self.cfg.open_timeout)

    def _query_seconds(self, key: str, per_second: float, default: float) -> float:
        """The URL's ``key`` (in ``per_second`` units) in seconds; ``default`` where it has
        none, or none above 0."""
        try:
            limit = float(self._query().get(key, "")) / per_second
        except ValueError:
            return default
        return limit if limit > 0 else default

    def _no_peer(self) -> str:
        """Why an srt:// output's ffmpeg has sent nothing (see FfmpegBridge.sent)."""
        return "no viewer connected" if self._srt_listener() else "no SRT peer answered"

    def _srt_drain(self) -> float:
        """Seconds to keep the connection after the last frame: the receiver's latency buffer
        (SRT ``latency``, µs in FFmpeg's URL, default 120 ms) is dropped when the sender closes."""
        q = self._query()
        try:
            latency = float(q.get("latency") or q.get("rcvlatency") or q.get("peerlatency") or 120_000) / 1e6
        except ValueError:
            latency = 0.12
        return min(max(latency, 0.12) * 2 + 0.3, 10.0)

    def _open_srt(self) -> Any:
        """srt://: PyAV writes MPEG-TS into the stdin of an ffmpeg that copies the bytes to the URL."""
        try:
            exe = ffmpeg_for_srt()
        except RuntimeError as exc:
            raise VideoWriteError(f"{self.safe}: {exc}") from None
        if self._srt_listener():
            check_listener_address(self.spec)
        # (the passphrase and stream ID go to ffmpeg through a pipe, not on its command line: ps shows that)
        url, hidden = hidden_options(self.spec)
        if hidden and not presets_reach_the_output(exe):
            # (an ffmpeg that drops a preset's options: they stay in the URL, or the peer refused
            # the stream -- or, one without a passphrase, took it unencrypted)
            said = " and ".join({"passphrase": "passphrase", "streamid": "stream ID"}[k] for k in hidden)
            url, hidden = self.spec, {}
            log.warning("%s: the %s %s on ffmpeg's command line, which other users of this machine can see "
                        "(ps): %s takes no output options from a file", self.safe, said,
                        "is" if " and " not in said else "are", exe)
        self._srt_args = url, hidden
        self._bridge = FfmpegBridge(self.spec, output_args(url, self.cfg.open_timeout), writing=True,
                                    preset=hidden)
        # a listener's ffmpeg waits for its caller up to video.open_timeout (then it ends: see
        # _failed); a caller gives up after the timeouts
        limit = None if self._srt_listener() else self.cfg.open_timeout + self.cfg.read_timeout
        if limit is None:
            log.info("%s: waiting for a viewer to connect (an SRT caller)", self.safe)
        else:  # ("streaming to ..." once it answered: see _say_streaming)
            log.info("%s: connecting to its SRT peer (a listener)", self.safe)
        return self._srt_container(limit)

    #: srt://: the URL given to ffmpeg and the options hidden from its command line (see _open_srt)
    _srt_args: tuple[str, dict[str, str]] = ("", {})

    def _srt_container(self, limit: float | None) -> Any:
        """The MPEG-TS muxer that writes into the bridge's pipe (a write waits up to ``limit``)."""
        # flush_packets: each frame goes to ffmpeg at once, not when a 32 KB buffer fills
        return av.open(PipeWriter(self._bridge, limit), mode="w", format="mpegts",
                       options={"flush_packets": "1", **self.container_options})

    def _open_tcp(self) -> Any:
        """tcp://: livecut connects to the viewer (or, ?listen=1, waits for it) and PyAV
        writes MPEG-TS to its socket.

        FFmpeg connected and listened holding the GIL: Ctrl-C and SIGTERM waited for the
        viewer or its time limit (a connection nobody answers: 5 s, then "Connection timed
        out", exit 1, the signal lost; listening: video.open_timeout, or for ever with the
        URL's ``listen_timeout=-1``), and a viewer that stopped reading held a write for ever.
        Here the waits are Python's, in slices, so a signal ends them at once; a write waits
        for the viewer up to the URL's ``timeout`` (µs), else video.read_timeout."""
        self._tcp = _TcpViewer(self._stall_limit())
        if self._listens:  # (as an srt:// listener says it: it waited without a word, up to
            # video.open_timeout -- for ever with the URL's listen_timeout=-1)
            log.info("%s: waiting for a viewer to connect (a TCP client)", self.safe)
        conn = self._accept_viewer() if self._listens else self._connect_viewer()
        self._tcp.connected(conn, self._query())
        # flush_packets: each frame goes to the viewer at once, not when a 32 KB buffer fills
        return av.open(self._tcp, mode="w", format="mpegts",
                       options={"flush_packets": "1", **self.container_options})

    def _connect_viewer(self) -> socket.socket:
        """A connection to tcp://HOST:PORT within video.open_timeout."""
        parts = urlsplit(self.spec)
        limit = self.cfg.open_timeout
        start = time.monotonic()
        error: OSError | None = None
        for family, kind, proto, _, addr in socket.getaddrinfo(parts.hostname, parts.port,
                                                               type=socket.SOCK_STREAM):
            sock = socket.socket(family, kind, proto)
            self._tcp.sockets.append(sock)
            sock.setblocking(False)
            code = sock.connect_ex(addr)
            while code in (errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK):
                if self._tcp.cancelled:
                    raise VideoWriteError(f"{self.safe}: cancelled while connecting")
                if time.monotonic() - start >= limit:
                    raise VideoWriteError(f"{self.safe}: no answer within {limit:g} s")
                _, ready, _ = select.select([], [sock], [], POLL)
                if ready:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code == 0:
                return sock
            error = OSError(code, os.strerror(code))
        raise error or OSError(errno.EHOSTUNREACH, os.strerror(errno.EHOSTUNREACH))

    def _accept_viewer(self) -> socket.socket:
        """The first viewer to connect to tcp://HOST:PORT?listen=1, within the URL's
        ``listen_timeout`` (ms; -1: no limit), else video.open_timeout.  The listening socket is
        kept: a viewer that leaves is followed by the next one to connect (see _rejoin)."""
        parts = urlsplit(self.spec)
        family, kind, proto, _, addr = socket.getaddrinfo(parts.hostname or None, parts.port,
                                                          type=socket.SOCK_STREAM,
                                                          flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(family, kind, proto)
        self._tcp.sockets.append(listener)
        self._tcp.listener = listener
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # (as FFmpeg does)
        listener.bind(addr)
        listener.listen(1)
        listener.settimeout(POLL)
        return self._await_viewer(self._viewer_limit())

    def _viewer_limit(self) -> float | None:
        """Seconds a tcp://...?listen=1 output waits for a viewer: the URL's ``listen_timeout``
        (ms; -1: None, no limit), else video.open_timeout."""
        try:
            if float(self._query().get("listen_timeout", "1")) <= 0:
                return None   # (FFmpeg's -1: wait for a viewer as long as it takes)
        except ValueError:
            pass
        return self._listen_limit()

    def _await_viewer(self, limit: float | None) -> socket.socket:
        """The next viewer to connect to the listening socket, within ``limit`` seconds (None:
        no limit); a cancel() ends the wait."""
        viewer = self._tcp
        assert viewer is not None and viewer.listener is not None
        start = time.monotonic()
        while True:
            try:
                conn = viewer.listener.accept()[0]
                if not _gone(conn):
                    return conn
                # (a viewer that connected while another watched, held in the listening socket's
                # queue, and gave up before its turn: it was sent the stream's start and said to
                # leave, "viewer left; waiting for a new one" once more, though it never watched)
                log.debug("%s: a viewer that had connected left before its turn", self.safe)
                conn.close()
            except socket.timeout:
                if viewer.cancelled:
                    raise VideoWriteError(f"{self.safe}: cancelled while waiting for a viewer") from None
                if limit is not None and time.monotonic() - start >= limit:
                    raise VideoWriteError(f"{self.safe}: no viewer connected within {limit:g} s") from None

    def _stop_tcp(self) -> None:
        viewer, self._tcp = self._tcp, None
        if viewer is not None:
            viewer.close()

    def _stop_bridge(self) -> None:
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.close()

    def _stop_relay(self) -> None:
        """Cut the rtmp(s):// relay's connections and end it."""
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.cancel()
            relay.close(1.0)

    def _finish_relay(self) -> str | None:
        """After FFmpeg closed its side: let the relay send the rest (bounded by its stall
        timeout), end it; why it failed, if it did."""
        # (kept for cancel() meanwhile, set before the sink lets it go: it waited out the grace)
        relay = self._finishing_relay = self._relay
        self._relay = None
        if relay is None:
            return None
        try:
            relay.close(grace=(1.0 if self.interrupted else self.cfg.read_timeout) + 2.0)
        except KeyboardInterrupt:
            # (a signal while a stalled server was sent the stream's end: the run's line says the
            # stream was left unfinished -- it said only "interrupted")
            self.unfinished = self.unfinished or "the server did not take the rest"
            raise
        finally:
            self._finishing_relay = None
        why = relay.failure()
        if why is not None:
            why = scrub_message(why, self._secrets())
        if why is None and relay.cancelled:  # (cut by cancel() before it had sent the rest)
            self.unfinished = self.unfinished or "the server did not take the rest"
            return "cancelled"
        return why

    def _finish_bridge(self) -> str | None:
        """Close ffmpeg's stdin and wait for it to send the rest; its error, if any."""
        bridge, self._bridge = self._bridge, None
        if bridge is None:
            return None
        self._finishing = bridge  # (for cancel() meanwhile: it waited out the timeouts)
        try:
            return self._wait_bridge(bridge)
        except KeyboardInterrupt:
            # (a signal while the run, its input all written, waited for a peer that never came:
            # the frames never left, and the run's line says so -- it said only "interrupted")
            self._reached(bridge)
            raise
        finally:
            self._finishing = None

    def _wait_bridge(self, bridge: FfmpegBridge) -> str | None:
        """:meth:`_finish_bridge`'s drain, end of input and wait (a cancel() skips the drain)."""
        if bridge.alive():
            self._woken.wait(self._srt_drain())
        try:
            bridge.pipe.close()
        except OSError:
            pass
        # (a run stopped by a signal does not wait for a peer that never came)
        code = bridge.wait(1.0 if self.interrupted else self.cfg.open_timeout + self.cfg.read_timeout)
        if self._reached(bridge):   # (asked before it is closed: see the end of close())
            self._say_streaming()   # (a viewer that came once the frames were all written)
        try:
            if code is None:
                return None if self.interrupted else "ffmpeg did not finish sending (no SRT peer?)"
            if code != 0:
                return bridge.reason()
            return None
        finally:
            bridge.close()

    #: the srt:// bridge that close() waits on to send the rest (cancel() ends it)
    _finishing: FfmpegBridge | None = None
    #: the rtmp(s):// relay that close() waits on to send the rest (cancel() ends it)
    _finishing_relay: RtmpRelay | None = None

    @property
    def holding(self) -> bool:
        """Whether a write waits for its frame's time (a file's frame held for seconds), or for
        a listening srt:// output's first caller within its listen time (its ffmpeg holds the
        stream in its pipe until called): not a stuck peer (see Pipeline._finish_writer, which
        gave up on it 5 s after the input was read, "cancelled: no viewer connected", where
        video.open_timeout was 30 s).  Not a live source's listener waiting, with no time limit,
        for a viewer after one left (see _rejoin_srt): the run's end (q) waited for it for ever."""
        bridge = self._bridge
        unlimited = self.left_after is not None and self.info.source_file is None
        return self._pacing or self._awaiting or bool(bridge is not None and self._srt_listener()
                                                      and bridge.alive() and not bridge.sent() and not unlimited)

    #: a write waits for its frame's time (a file's frame held for seconds: see holding)
    _pacing = False

    #: set by the pipeline when a signal (Ctrl-C, SIGTERM) stopped the run: closing then does
    #: not wait long for an srt:// peer
    interrupted = False
    #: why the stream's end could not be sent, when closing after a signal failed (a server
    #: that takes no data) or a tcp:// viewer's write was cancelled: the run's message says it
    unfinished = ""
    #: srt://: why nothing reached the peer (a listener nobody called, a caller whose peer did
    #: not answer: ffmpeg held the stream in its pipe), '' once it sent
    unreached = ""
    #: where the source's last frame ends (s), when the run wrote it to its end (see _hold_last)
    last_end: float | None = None
    #: a listening output whose viewer left, while it waits for the next (see _rejoin): the frames
    #: sent until then; None otherwise.  A signal meanwhile is said as such: the stream was not
    #: left unfinished, nobody was watching
    left_after: int | None = None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        container, self._container = self._container, None
        unwatched = self._unwatched()
        if unwatched:
            # (first: the stream's last packets go to nobody, into a pipe its listening ffmpeg may
            # hold full)
            self._stop_bridge()
        if container is None:
            if unwatched:  # (tcp://: the muxer of the viewer that left was let go)
                self._say_unwatched()
            return
        error: str | None = None
        if self._relay is not None and self.interrupted:
            self._relay.hurry()  # (stopped by a signal: a server that takes nothing is waited 1 s)
        try:
            self._hold_last(container)
            for packet in self._stream.encode(None):
                container.mux(packet)
            if self._audio is not None and self.frames:
                # on a complete run all the audio; after an interrupt or --frames N, what the video covers
                end = None if not self.cut_short else \
                    float(self._last_ticks * TIME_BASE) + 1.0 / float(self.fps)
                self._audio.finish(end)
        except (av.error.FFmpegError, OSError) as exc:
            error = self._reason(exc)
        finally:
            self._close_audio()
            try:
                container.close()
            except (av.error.FFmpegError, OSError) as exc:
                error = error or self._reason(exc)
            self._stop_tcp()
            if self.srt:
                if error or unwatched:
                    self._stop_bridge()
                else:
                    error = self._finish_bridge()
            if self._relay is not None:
                if error:
                    self._stop_relay()
                else:
                    error = self._finish_relay()
        if unwatched:
            # (the run ended while it waited for a new viewer: see _unwatched -- said once, not an
            # error; a signal's line says it itself, "was waiting for a new viewer")
            log.debug("%s: ended while waiting for a new viewer (%s)", self.safe, error or "")
            self._say_unwatched()
            return
        if self.interrupted and self.unreached:
            # stopped by a signal before a peer came: the frames written never left (the exit's
            # one line said "srt://... finalized with 32 frames" as if they had been sent)
            log.debug("%s: nothing was sent: %s (%s)", self.safe, self.unreached, error or "")
            return
        if error:
            if self.interrupted:  # stopped by a signal: the exit's one line says so (it was a
                # warning line of its own, then "finalized with N frames" as if it had finished)
                self.unfinished = error
                log.debug("%s: finishing the stream failed: %s", self.safe, error)
                return
            if self._woken.is_set() and (self.unreached or self.unfinished):
                # (cancel() while it waited for its peer: said so, not ffmpeg's "Immediate exit
                # requested" that the stop made)
                raise VideoWriteError(f"{self.safe}: cancelled: {self.unreached or self.unfinished}")
            raise self._failed("finishing the stream failed", error)

    def _failed(self, what: str, reason: str) -> VideoWriteError:
        if self.srt and self._srt_listener() and reason == "ffmpeg: Connection timed out":
            # the listener's ffmpeg gave up on its caller (listen_timeout): said as for
            # tcp://...?listen=1 (it waited for ever, a run nobody watched)
            return VideoWriteError(f"{self.safe}: no viewer connected within {self._listen_limit():g} s")
        if self.srt and reason.startswith(tuple(f"ffmpeg: {w}" for w in _SRT_UNSTARTED)):
            # (a caller whose peer never answered, or whose host is unknown, streamed nothing: it
            # said "writing failed: ffmpeg: ...", a short file "finishing the stream failed:
            # ffmpeg: ...", where a refused rtmp://, rtsp:// or tcp:// output says "cannot start
            # the stream: ...")
            return VideoWriteError(f"{self.safe}: cannot start the stream: {reason[len('ffmpeg: '):]}")
        return VideoWriteError(f"{self.safe}: {what}: {reason}")

    def cancel(self) -> None:
        """Make a write blocked on the peer fail (thread-safe): the srt:// bridge is stopped,
        the rtmp:// relay cuts its connections.  For a pipeline that must end (a listener
        nobody called, a server that takes no data); a write waiting for its frame's time
        (see :attr:`holding`) returns at once, the frame not sent."""
        self._woken.set()
        bridge = self._bridge or self._finishing  # (or the one close() waits on to send the rest)
        if bridge is not None:
            if self._reached(bridge):  # (a listener nobody called: unreached; a viewer gone: nothing to finish)
                self.unfinished = self.unfinished or "its peer did not take the rest"
            bridge.terminate()
        relay = self._relay or self._finishing_relay  # (or the one close() waits on)
        if relay is not None:
            relay.cancel()
        viewer = self._tcp
        if viewer is not None:
            viewer.cancel()
            if self.left_after is None:  # (waiting for a new viewer: nobody had a stream to finish)
                self.unfinished = self.unfinished or "its viewer did not take the rest"

    @property
    def close_may_block(self) -> bool:
        """Closing writes the stream's end to a reader that may have stopped reading (``-o -``):
        the pipeline closes it in a thread of its own (see Pipeline._close_bounded)."""
        return self.spec == "-"

    def abandon(self) -> None:
        """Give the sink up while a write may still be running in another thread: its
        container is not touched again (closing it under that write crashed the process)."""
        self._closed = True
        self.abandoned = True
        # (kept referenced: a container freed under a running write is closed by PyAV; so is
        # the audio input that write may be reading)
        self._abandoned, self._container = (self._container, self._audio), None
        self._audio = None
        self._stop_bridge()
        self._stop_relay()
        viewer = self._tcp   # (not closed under the write: that write fails at once)
        if viewer is not None:
            viewer.cancel()

    def abort(self) -> None:
        """Close without flushing (after a write error)."""
        self._closed = True
        self._close_audio()
        # (first: the trailer that closing writes would wait on a server that takes nothing)
        self._stop_relay()
        container, self._container = self._container, None
        if container is not None:
            try:
                container.close()
            except Exception:
                pass
        self._stop_bridge()
        self._stop_tcp()

    def __enter__(self) -> "StreamSink":
        return self.open()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    # ------------------------------------------------------------ frames

    def _reason(self, exc: BaseException) -> str:
        """Why ``exc`` happened, in a line without the output URL's secrets: the words of FFmpeg,
        the relay or the server (an RTSP server's refusal may quote the stream's token or login,
        "406 bad token TOKEN") are scrubbed here, not only by the command line's stderr."""
        return scrub_message(self._reason_text(exc), self._secrets())

    def _secrets(self) -> list[str]:
        return url_secrets(self.spec, publishing=True)

    def _reason_text(self, exc: BaseException) -> str:
        scheme = url_scheme(self.spec)
        if not self._started and scheme in ("rtsp", "rtsps") and getattr(exc, "errno", None) == errno.EPROTONOSUPPORT:
            # (the server's "461 Unsupported Transport" to the SETUP, in FFmpeg's words "Protocol
            # not supported"; through the relay, too)
            from livecut.sources.stream import transport_refused

            return transport_refused(scheme, self.container_options["rtsp_transport"], "--set video.rtsp_transport={}")
        if self._relay is not None:
            # the relay cut the connection (a time limit): it says why before FFmpeg fails
            why = self._relay.failure(wait=0.5)
            if why and why.startswith("TLS: certificate verify failed"):  # (rtmps://, rtsps://)
                # (the opt-out named, as a TLS input's refusal names it)
                return f"{why} {_TLS_OPT_OUT}"
            if why:
                return self._tls_language(why) or why
            said = self._watch.said if self._watch is not None and not self._started else None
            if said and getattr(exc, "errno", None) == errno.EPERM:
                # (rtmp(s)://: an onStatus or _error of the server's, FFmpeg's "Operation not permitted")
                return f"the server refused the stream: {hide_secrets(said, url_secrets(self.spec, publishing=True))}"
            answer = self._relay.answer
            if answer and answer[0] in "45" and isinstance(
                    exc, (av.error.HTTPOtherClientError, av.error.HTTPServerError, av.error.InvalidDataError)):
                # (rtsp(s)://: the server's refusal in its words, where FFmpeg's say only its class,
                # or of the RECORD's "Invalid data found when processing input")
                return f"the server answered {answer}"
        if not self._started and (isinstance(exc, socket.gaierror) or (
                url_scheme(self.spec) == "udp" and getattr(exc, "errno", None) == errno.EIO)):
            # (a host name that does not resolve, `-o udp://obs-pc.local:5000` mistyped: FFmpeg's
            # udp:// said "Input/output error", tcp://'s look-up "Name or service not known")
            from livecut.sources.stream import unknown_host

            unknown = unknown_host(self.spec, min(5.0, self.cfg.open_timeout))
            if unknown:
                return unknown
        if self.srt and isinstance(exc, OSError) and not isinstance(exc, av.error.FFmpegError):
            # raised by PipeWriter: ffmpeg's own message (already redacted)
            text = exc.strerror if isinstance(exc.strerror, str) else (str(exc.args[0]) if exc.args else "")
            if text:
                return redact_text(text)
        if self._started and self.tcp and getattr(exc, "errno", None) == errno.ETIMEDOUT:
            # (FFmpeg's socket I/O limit, see __init__: the viewer stopped reading)
            return f"the viewer took no data for {self._stall_limit():g} s"
        if isinstance(exc, (BrokenPipeError, av.error.BrokenPipeError)) or \
                getattr(exc, "errno", None) == 32:
            return "the reader closed the pipe" if self.spec == "-" else "the connection was closed"
        if isinstance(exc, av.error.ExitError):
            return "timed out"
        text = redact_text(getattr(exc, "strerror", None) or str(exc))
        if url_scheme(self.spec) == "udp" and getattr(exc, "errno", None) == errno.EACCES and \
                srt_options(self.spec).get("broadcast", "0") in ("", "0"):
            # (FFmpeg sends to a broadcast address only with SO_BROADCAST, its broadcast=1: the
            # run said "Permission denied" alone)
            return f"{text}: a broadcast address needs broadcast=1 ({with_query(self.safe, broadcast='1')})"
        return text

    def _tls_language(self, why: str) -> str | None:
        """What to say, as a TLS input says it, when the relay's ``why`` comes from a server
        that speaks the other language: an rtsps:// (rtmps://) output to a server that answers
        without TLS ('TLS: WRONG_VERSION_NUMBER'), an rtsp:// (rtmp://) one to a server that
        answers only in TLS (it resets or closes the connection at the first request); None
        otherwise."""
        from livecut.sources.stream import NOT_TLS_REASONS, answers_plain, answers_tls, cut_at_tls_text, not_tls_text

        scheme = url_scheme(self.spec)
        if why.startswith("TLS: ") and why[5:] in NOT_TLS_REASONS:
            return not_tls_text(scheme)
        if why.startswith("no answer to the TLS handshake within ") and not self._started:
            # (a plain RTMP server that waits for the rest of its handshake's 1537 bytes, as
            # nginx-rtmp does, leaves a ClientHello unanswered: "no answer within 10 s"; asked
            # for an RTMP handshake, it answers at once; an RTSP server that waits for a request's
            # blank line, an OPTIONS)
            return self._plain_behind_tls()
        if not self._started and why in ("the server reset the connection", "the server closed the connection") \
                and not (self._relay is not None and self._relay.spoke):  # (one that spoke RTMP, RTSP is none)
            if scheme in ("rtmps", "rtsps"):
                # (a plain server that cut the ClientHello off, not answering it in its own words)
                if answers_plain(self.spec, min(5.0, self.cfg.open_timeout)):
                    return not_tls_text(scheme)
                if self._relay is not None and not self._relay.answered:
                    # (not a byte back to the ClientHello, and no server to ask again: one that
                    # serves one connection, ffmpeg -listen 1, is gone after it)
                    return cut_at_tls_text(scheme, why.split()[2])
                return None
            # (the server's language asked with a handshake of its own: one connection more)
            return answers_tls(self.spec, min(5.0, self.cfg.open_timeout), output=True)
        return None

    def _plain_behind_tls(self) -> str | None:
        """What to say when an rtmps:// (rtsps://) output's server took the connection and left
        the TLS handshake unanswered, when it answers its plain protocol at once (see
        answers_plain): a plain server that waits for the rest of an RTMP handshake (nginx-rtmp)
        or for an RTSP request's end (a ClientHello holds no blank line) -- it said "no answer
        within 10 s"; None otherwise."""
        from livecut.sources.stream import answers_plain, not_tls_text

        scheme = url_scheme(self.spec)
        if scheme not in ("rtmps", "rtsps"):
            return None
        return not_tls_text(scheme) if answers_plain(self.spec, min(2.0, self.cfg.open_timeout)) else None

    def _hold_last(self, container: Any) -> None:
        """The last frame's length, when the run wrote the source to its end (a GIF's 1 s pause
        on its last picture, a slideshow's last slide): NUT and MPEG-TS keep no frame's length,
        a reader holds the last one a frame's time (the GIF lasted 0.9 s for 1.9, where a file
        keeps it), so it is sent again a frame before its end, as ffmpeg holds a pause at a
        fixed rate.  Not where it is paced (a network output's end comes when the run's does)."""
        last, frame = self._last_ticks, self._last_frame
        if last is None or frame is None or self._pts0 is None or self.cut_short or self._pacer is not None:
            return
        from livecut.sinks.file import MAX_LAST_FRAMES

        step = max(1, round(TIME_BASE.denominator / float(self.fps)))
        # its own end, else the source's video's (SinkInfo.end), as a file takes it: within a few frames
        ticks = self._end_ticks(self.last_end) - last
        header = self._end_ticks(self.info.end) - last
        if ticks < header <= MAX_LAST_FRAMES * step:
            ticks = header
        if 2 * (ticks - step) > step:  # (over a frame and a half)
            frame.pts, frame.time_base = last + ticks - step, TIME_BASE
            for packet in self._stream.encode(frame):
                container.mux(packet)
            self._last_ticks = frame.pts

    def _end_ticks(self, end: float | None) -> int:
        """``end`` (s, the source's time) in ticks from the first frame; 0 for None."""
        return 0 if end is None or self._pts0 is None else round((end - self._pts0) * TIME_BASE.denominator)

    def _stall_limit(self) -> float:
        """Seconds a tcp:// viewer may take no data: the URL's own ``timeout`` (µs) where it
        has one, else video.read_timeout."""
        return self._query_seconds("timeout", 1e6, self.cfg.read_timeout)

    def _ticks(self, pts: float | None) -> int:
        step = max(1, round(TIME_BASE.denominator / float(self.fps)))
        if pts is None:
            ticks = 0 if self._last_ticks is None else self._last_ticks + step
        else:
            if self._pts0 is None:
                self._pts0 = pts
            ticks = round((pts - self._pts0) * TIME_BASE.denominator)
            if self._last_ticks is not None and ticks <= self._last_ticks:
                ticks = self._last_ticks + 1
        self._last_ticks = ticks
        return ticks

    def _frame(self, image: np.ndarray) -> av.VideoFrame:
        # (2 channels, an empty frame, None: a bare KeyError, ZeroDivisionError, AttributeError)
        check_frame(image, self.safe)
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        ch = 1 if image.ndim == 2 else image.shape[2]
        if ch != self.channels:
            import cv2
            conv = {(1, 3): cv2.COLOR_GRAY2BGR, (1, 4): cv2.COLOR_GRAY2BGRA, (3, 1): cv2.COLOR_BGR2GRAY,
                    (3, 4): cv2.COLOR_BGR2BGRA, (4, 1): cv2.COLOR_BGRA2GRAY, (4, 3): cv2.COLOR_BGRA2BGR}
            image = cv2.cvtColor(image, conv[(ch, self.channels)])
        image = self._upright(image)
        # (an odd size, or a picture that changed size mid-run: fitted with its shape kept)
        image = self._fit(image, self.width, self.height, self.warnings)
        if self.raw:
            return packed_frame(self._packed, image)  # (one frame refilled: no new one a frame)
        return self._frame_i420(image)

    def _frame_i420(self, image: np.ndarray) -> av.VideoFrame:
        """The encoder's yuv420p frame of ``image`` (gray or BGR, the output's even size),
        converted as a video file's frames are (see VideoFileSink._frame): the encoder's own
        conversion (swscale's) sent a mid gray as Y 125, U and V 127 (green, a level dark), a
        colour one to three levels off.  One frame and its buffers are refilled."""
        from livecut.composite import ToI420
        from livecut.i420 import frame_planes, planes

        h, w = image.shape[:2]
        f = self._vframe
        if f is None or (f.width, f.height) != (w, h):
            f = self._vframe = av.VideoFrame(w, h, "yuv420p")
            self._to_i420 = ToI420(self.info.matrix)
        else:
            f.make_writable()
        for dst, src in zip(frame_planes(f, h, w), planes(self._to_i420(image), h, w)):
            dst[...] = src
        return f

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        check_pts(pts, self.safe)
        if self._unwatched():  # (nobody to send it to: see _unwatched)
            return
        if self._container is None:
            self.open()
        frame = self._frame(image)
        frame.pts = self._ticks(pts)
        if self._pacer is not None and (self._paced is None or self._paced()):
            self._pacing = True
            try:
                self._pacer.wait(pts)
            finally:
                self._pacing = False
            if self._woken.is_set():  # (cancelled while it waited: the run is ending)
                return
        frame.time_base = TIME_BASE
        self._last_frame = frame
        try:
            sent = self._send(frame)
        except (av.error.FFmpegError, OSError) as exc:
            if self._unwatched():  # (its ffmpeg, listening for a new viewer, was stopped: see close())
                return
            reason = self._reason(exc)
            self.abort()
            if self._woken.is_set() and self.unreached:
                # (cancel() while a write waited for a listener's caller -- the run stuck on it
                # once its input was read: said so, not ffmpeg's "Immediate exit requested" that
                # the stop made)
                raise VideoWriteError(f"{self.safe}: cancelled: {self.unreached}") from None
            raise self._failed("writing failed", reason) from None
        if not sent:  # (cancelled while it waited for a new viewer: see _unwatched)
            return
        self.frames += 1
        if self._streaming is not None:
            self._say_streaming()
        if self.left_after is not None:
            self._viewer_came()
        if self._udp_ip is not None:
            self._look_udp()

    def _send(self, frame: Any) -> bool:
        """Encode and mux ``frame`` (and the audio it covers); a tcp://...?listen=1 output whose
        viewer left waits for the next one and sends it the frame (see _rejoin).  False where a
        cancel() ended that wait (the frame not sent)."""
        while True:
            try:
                packets = self._stream.encode(frame)
                if self._udp_ip is not None:  # (how long the writes waited: see _look_udp)
                    t0 = time.monotonic()
                    self._mux(packets)
                    self._udp_waited += time.monotonic() - t0
                else:
                    self._mux(packets)
                if self._audio is not None:
                    self._audio.mux(float(frame.pts * TIME_BASE))
                return True
            except (av.error.FFmpegError, OSError) as exc:
                if not self._viewer_left(exc):
                    raise
            if not self._rejoin():
                return False

    def _viewer_left(self, exc: BaseException) -> bool:
        """Whether ``exc`` says that a tcp://...?listen=1 (srt://...?mode=listener) output's viewer
        left (closed its player), not that the run cancelled the write or the viewer stopped
        reading."""
        if self._woken.is_set():
            return False
        if self.srt:  # (srt://...?mode=listener: its ffmpeg ended, the SRT connection lost)
            bridge = self._bridge
            return isinstance(exc, OSError) and bridge is not None and self._srt_listener() and bridge.lost()
        viewer = self._tcp
        if not self._listens or viewer is None or viewer.cancelled:
            return False
        return getattr(exc, "errno", None) in (errno.EPIPE, errno.ECONNRESET, errno.ECONNABORTED)

    #: tcp://...?listen=1: waiting, within a time limit, for a viewer after one left (see holding)
    _awaiting = False

    def _rejoin(self) -> bool:
        """A tcp://...?listen=1 output whose viewer left (closed its player): it ended the run,
        "writing failed: the connection was closed", exit 1, and nobody could connect again.
        It says so once, waits for the next viewer and sends it a stream of its own: a new muxer
        and encoder, so its headers come first and its first frame is a key frame.  A live
        source's frames are dropped meanwhile (as for a slow output), for as long as it takes;
        a file's wait, as for its first viewer, up to the URL's ``listen_timeout`` (-1: no limit)
        else video.open_timeout, then "no viewer connected within N s".  False where a cancel()
        ended the wait (the run's end: see _unwatched)."""
        if self.srt:
            self._rejoin_srt()
            return True
        viewer = self._tcp
        assert viewer is not None
        viewer.left()   # (the old muxer's last bytes fail at once: nobody reads them)
        self._let_go()
        limit = self._viewer_limit() if self.info.source_file is not None else None
        self._awaiting = limit is not None
        self.left_after = self.frames   # (kept where a signal ends the wait: see cancel())
        try:
            conn = self._await_viewer(limit)
        except VideoWriteError:
            if self._unwatched():  # (it was "cancelled while waiting for a viewer", exit 1)
                return False
            raise
        finally:
            self._awaiting = False
        self.left_after = None
        viewer.connected(conn, self._query())
        container = av.open(viewer, mode="w", format="mpegts",
                            options={"flush_packets": "1", **self.container_options})
        self._container = container
        self._stream = self._add_video(container, self.width, self.height)
        container.start_encoding()
        return True

    def _let_go(self) -> None:
        """The muxer of a viewer that left, and a file's audio, let go; said once."""
        old, self._container = self._container, None
        if self._audio is not None:  # (a file's audio is not carried on to the next viewer)
            self._close_audio()
            self.warnings.append("audio: not sent to the viewers that connected after the first left")
        try:
            old.close()
        except (av.error.FFmpegError, OSError):
            pass
        log.info("%s: viewer left; waiting for a new one", self.safe)

    def _rejoin_srt(self) -> None:
        """:meth:`_rejoin` for srt://...?mode=listener: its ffmpeg ended with the connection
        ("writing failed: ffmpeg: the SRT connection was lost", exit 1, as the tcp:// listener
        did); a new one listens, which holds the new stream in its pipe until a caller comes
        (see holding), a live source's for as long as it takes, a file's up to the URL's
        ``listen_timeout`` else video.open_timeout, then "no viewer connected within N s"."""
        self._let_go()   # (its muxer's last bytes fail at once: its ffmpeg has ended)
        self._stop_bridge()
        self.left_after = self.frames   # (until the new ffmpeg sends: see _viewer_came)
        url, hidden = self._srt_args
        self._bridge = FfmpegBridge(self.spec, output_args(url, self.cfg.open_timeout,
                                                           limited=self.info.source_file is not None),
                                    writing=True, preset=hidden)
        container = self._srt_container(None)
        self._container = container
        self._stream = self._add_video(container, self.width, self.height)
        container.start_encoding()

    def _reached(self, bridge: FfmpegBridge) -> bool | None:
        """Whether srt:// ``bridge``'s ffmpeg got to sending (see FfmpegBridge.sent); False, a
        listener nobody called (its frames never left), sets :attr:`unreached`; None where a
        viewer left and none has been sent the stream since (see left_after): nobody to reach,
        nothing to finish."""
        self._viewer_came()
        if self.left_after is not None:
            return None
        if bridge.sent():
            return True
        self.unreached = self._no_peer()
        return False

    def _unwatched(self) -> bool:
        """Whether a cancel() (the run's end: the source's end or q, the writer stalled for
        Pipeline.WRITER_STALL; a signal) came while this listening output, its viewer gone, waited
        for a new one (see left_after).  The run ended with "writing failed: ffmpeg: Immediate
        exit requested" (srt://, the stop of its listening ffmpeg) or "cancelled while waiting for
        a viewer" (tcp://), exit 1, though what it sent went to the viewers that came: nobody was
        watching, nothing was left unfinished.  A frame meanwhile is not sent; close() says it
        once (a signal's line says it itself).  So is a live source's run that ends with its
        frames all written, an srt:// listener's new ffmpeg holding the last in its pipe: closing
        waited video.open_timeout + video.read_timeout for a caller, then "finishing the stream
        failed: ffmpeg did not finish sending (no SRT peer?)", exit 1 (a file's waits for its next
        viewer as for its first, see _rejoin)."""
        if self.left_after is not None and self.srt and self._closed:
            self._viewer_came()   # (one that called just now is sent the rest: see close())
        if self.left_after is None:
            return False
        return self._woken.is_set() or (self._closed and self.info.source_file is None)

    def _say_unwatched(self) -> None:
        """The note of a run that ended while nobody watched (see _unwatched); a signal's line
        says it itself ("was waiting for a new viewer; N frames sent before the last one left")."""
        if self.interrupted:
            return
        n = self.left_after or 0
        self.warnings.append(f"{self.safe}: no viewer came back after the last one left; "
                             f"{n} frame{'' if n == 1 else 's'} sent before it left")

    def _viewer_came(self) -> None:
        """srt://: a new viewer, after one left, was sent the stream (its ffmpeg was called)."""
        bridge = self._bridge or self._finishing
        if self.left_after is not None and self.srt and bridge is not None and bridge.sent():
            self.left_after = None

    def _mux(self, packets: list) -> None:
        for packet in packets:
            self._container.mux(packet)

    def _look_udp(self) -> None:
        """udp://: once a second, whether the kernel found the host sent to on the local network.
        One nobody holds (ARP fails) gets none of the packets -- the kernel drops them, UDP says
        nothing, and the run said it had succeeded: a warning says for how long (a host found
        within a second, as one that answers is, is not said)."""
        now = time.monotonic()
        if now < self._udp_next:
            return
        self._udp_next = now + 1.0
        if not _neighbour_missing(self._udp_ip or ""):
            self._udp_since = None
            return
        if self._udp_since is None:
            self._udp_since, self._udp_waited_from = now, self._udp_waited
            return
        said = (f"{self.safe}: packets could not be sent for {now - self._udp_since:.0f} s "
                "(no host answers at that address on the local network?)")
        # (the kernel grants a send buffer up to net.core.wmem_max, often 208 KB: livecut's 4 MB
        # and a URL's own larger than that get the same, and the URL's is then not to blame)
        cap = _send_buffer_cap()
        ours = UDP_SEND_BUFFER if cap is None else min(UDP_SEND_BUFFER, cap)
        # (named where the writes waited a quarter of the time since or more: a buffer_size under
        # livecut's may yet hold more than the kernel keeps while it looks -- 262144 here, where
        # 131072 was not -- and the run went at its pace; the warning said it had been slowed)
        waited = self._udp_waited - self._udp_waited_from
        if self._udp_buffer is not None and self._udp_buffer < ours and waited >= (now - self._udp_since) / 4:
            # (the kernel holds the packets while it looks, up to the socket's send buffer: a
            # small one the URL set held each write -- a 4 s clip took 18 s more, unsaid)
            room = (f"{UDP_SEND_BUFFER >> 20} MB" if ours == UDP_SEND_BUFFER else
                    f"{ours / 1024:.0f} KB, the most the system allows (net.core.wmem_max),")
            said += (f"; its buffer_size={self._udp_buffer} is too small to hold them, and each write "
                     f"waited: the run was slowed (without it livecut's {room} lets "
                     "the system drop them)")
        if self._udp_said is None:
            self._udp_said = len(self.warnings)
            self.warnings.append(said)
        else:  # (the longest time said; a host that came back leaves the time it was missing)
            self.warnings[self._udp_said] = said


def _gone(conn: socket.socket) -> bool:
    """Whether the peer of a connection just accepted has closed it already (its end of stream,
    or a reset, waits to be read): a viewer queued behind another that left before its turn."""
    try:
        if not select.select([conn], [], [], 0)[0]:
            return False
        return conn.recv(1, socket.MSG_PEEK | getattr(socket, "MSG_DONTWAIT", 0)) == b""
    except BlockingIOError:
        return False
    except OSError:   # (ECONNRESET: it closed with bytes of ours unread)
        return True


def _ipv4_of(host: str | None) -> str | None:
    """The IPv4 address ``host`` names (a name looked up), None where it has none."""
    if not host:
        return None
    try:
        return socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0]
    except (OSError, UnicodeError, IndexError):
        return None


def _send_buffer_cap() -> int | None:
    """The largest send buffer (bytes) the kernel grants a socket (Linux's net.core.wmem_max; a
    larger one asked for is cut to it), None where it cannot be read."""
    try:
        with open("/proc/sys/net/core/wmem_max", encoding="ascii") as cap:
            value = int(cap.read().strip())
    except (OSError, ValueError):
        return None
    return value if value > 0 else None


def _neighbour_missing(ip: str) -> bool:
    """Whether the kernel holds ``ip`` as a neighbour on the local network that it has not found
    (Linux's /proc/net/arp: no ATF_COM flag -- an ARP look-up under way or failed); False where
    it holds none (an address through a router, loopback) or this cannot be told."""
    try:
        with open("/proc/net/arp", encoding="ascii", errors="replace") as table:
            rows = table.read().splitlines()[1:]
    except OSError:
        return False
    for row in rows:
        fields = row.split()
        if len(fields) >= 3 and fields[0] == ip:
            try:
                return not int(fields[2], 16) & 0x2
            except ValueError:
                return False
    return False


def _output_problem(spec: str) -> str | None:
    """Why ``spec``, an address an input may take, cannot be an output: a udp:// or srt:// one
    without a host (``udp://:5000``, VLC's ``udp://@:5000``) but an SRT listener -- an input's
    listens on every address, an output has nowhere to send (FFmpeg's udp:// said "Invalid
    argument", an SRT caller "no SRT peer answered" after its time limits)."""
    scheme = url_scheme(spec)
    if scheme not in ("udp", "srt"):
        return None
    try:
        parts = urlsplit(spec)
        if parts.hostname:
            return None
    except ValueError:
        return None
    if scheme == "srt" and srt_options(spec).get("mode") == "listener":  # (as FFmpeg reads it)
        return None
    return (f"{'an' if scheme == 'srt' else 'a'} {scheme}:// output needs the address to send to (e.g. {scheme}://127.0.0.1:5000"
            + ("; mode=listener waits for a caller)" if scheme == "srt" else ")"))


class _TcpViewer:
    """File-like writing to a tcp:// output's viewer, for ``av.open(mode="w")``.

    A write the viewer takes nothing of for ``timeout`` seconds raises a TimeoutError
    (ETIMEDOUT), one to a viewer that left the error of its socket; :meth:`cancel` (any
    thread) makes a waiting connect, accept or write end at once."""

    #: ?listen=1: the listening socket, kept open for the next viewer (see StreamSink._rejoin)
    listener: socket.socket | None = None

    def __init__(self, timeout: float) -> None:
        #: the sockets to close: the connection's, and a listening one
        self.sockets: list[socket.socket] = []
        self.conn: socket.socket | None = None
        self.timeout = timeout
        self.cancelled = False

    def connected(self, conn: socket.socket, query: dict[str, str]) -> None:
        self.conn = conn
        if conn not in self.sockets:
            self.sockets.append(conn)
        conn.setblocking(False)
        try:
            # (a size of digits int() cannot read, '²', or too large for the socket's C int
            # raised out of the connection: ValueError, TypeError; left out, as a size refused is)
            size = query.get("send_buffer_size", "")
            if size.isascii() and size.isdigit() and len(size) < 10 and int(size) < 1 << 31:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(size))
            if query.get("tcp_nodelay", "0") not in ("", "0"):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        for sock in self.sockets:
            if sock is not conn and sock is not self.listener:
                sock.close()   # (one viewer at a time, as FFmpeg's listen=1; an address tried before)
        self.sockets = [conn] + ([self.listener] if self.listener is not None else [])

    def left(self) -> None:
        """Let the viewer's connection go (it left): writes fail at once until the next one."""
        conn, self.conn = self.conn, None
        if conn is not None:
            self.sockets = [s for s in self.sockets if s is not conn]
            try:
                conn.close()
            except OSError:
                pass

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        conn = self.conn
        if conn is None or self.cancelled:
            raise BrokenPipeError(32, "the connection was closed")
        view = memoryview(data)
        start = time.monotonic()
        while view:
            if self.cancelled:
                raise BrokenPipeError(32, "the connection was closed")
            if time.monotonic() - start > self.timeout:
                raise TimeoutError(errno.ETIMEDOUT, f"the viewer took no data for {self.timeout:g} s")
            try:
                _, ready, _ = select.select([], [conn], [], POLL)
            except (OSError, ValueError):
                raise BrokenPipeError(32, "the connection was closed") from None
            if not ready:
                continue
            try:
                sent = conn.send(view)
            except BlockingIOError:
                continue
            view = view[sent:]
            start = time.monotonic()
        return len(data)

    def flush(self) -> None:
        pass

    def cancel(self) -> None:
        """End a waiting accept or write (thread-safe: the sockets are shut down, not closed)."""
        self.cancelled = True
        conn = self.conn
        if conn is not None:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        for sock in self.sockets:
            try:
                sock.close()
            except OSError:
                pass


def _is_stream_output(spec: str) -> bool:
    return spec == "-" or is_output_url(spec)


def _check_stdout() -> None:
    # Python sets sys.stdout to None when file descriptor 1 was closed at start (and
    # descriptor 1 may since have been reused by a file opened for reading)
    try:
        if sys.stdout is None:
            raise OSError
        os.fstat(1)
    except OSError:
        raise UsageError("-o -: standard output is closed; give an output file") from None
    if os.isatty(1):  # raw video bytes would flood the terminal
        raise UsageError("-o -: standard output is a terminal; pipe it into a program "
                         "(e.g. | ffplay -) or give an output file")


def check_stdout_not_an_input(inputs: tuple) -> None:
    """Refuse ``-o -`` whose standard output is one of ``inputs`` (``livecut file rec.mkv -o -
    >> rec.mkv``): the stream was written into the file being read, its own output read back as
    input (a NUT or MPEG-TS recording) and the input damaged, where ``-o rec.mkv`` is refused."""
    import stat

    from livecut.errors import OutputExistsError

    try:
        out = os.fstat(1)
    except OSError:
        return
    if not stat.S_ISREG(out.st_mode):
        return
    for src in inputs:
        if src is None:
            continue
        try:
            st = os.stat(os.path.expanduser(str(src)))
        except (OSError, ValueError):
            continue
        if os.path.samestat(st, out):
            raise OutputExistsError(f"-o -: standard output is {src}, an input; refusing to write over it")


#: said after an rtmps:// or rtsps:// server's certificate that the relay did not trust
_TLS_OPT_OUT = "(a server with a self-signed certificate: --set video.tls_verify=false)"

#: a cutout (alpha) for an output in H.264, which has none
_NO_ALPHA = ("{}: H.264 cannot keep transparency (a cutout would arrive uncut); give a background "
             "(-b blur, -b color:#RRGGBB), send raw frames (-o - with video.pipe_format=nut), or "
             "write .mov or .webm")


def _check_spec(spec: str, channels: int, cfg: VideoConfig) -> None:
    """What :class:`StreamSink` refuses in ``spec`` itself, for :func:`livecut.sinks.check_sink`."""
    if spec == "-":
        _check_stdout()
        # (MPEG-TS: it was said at the first frame, after a camera was turned on or a stream
        # waited for, as the README says it was not)
        if channels == 4 and cfg.pipe_format != "nut":
            raise UsageError(_NO_ALPHA.format("stdout"))
        return
    spec = lower_scheme(spec)
    problem = url_problem(spec) or _output_problem(spec)
    if problem:
        raise UsageError(f"{redact_url(spec, publishing=True)}: {problem}")
    if channels == 4:  # (said before a camera is turned on or a stream waited for)
        raise UsageError(_NO_ALPHA.format(redact_url(spec, publishing=True)))


@register_sink("network", _is_stream_output, check=_check_spec)
def open_stream_sink(spec: str, info: SinkInfo, cfg: VideoConfig, **options: Any) -> StreamSink:
    """``-`` or a udp/srt/tcp/rtsp(s)/rtmp(s) URL; options: pipe_format (nut or mpegts), pace."""
    return StreamSink(spec, info, cfg, pipe_format=options.get("pipe_format"), pace=options.get("pace"))
