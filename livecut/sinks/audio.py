"""The audio of a source file, carried into an output container beside its new video.

:meth:`AudioCopy.open` reopens the source file, adds one output stream per audio stream
and demuxes them; the sink calls :meth:`AudioCopy.mux` after each video frame (audio
interleaved with the video, up to the frame's time) and :meth:`AudioCopy.finish` at the
end.  Each stream is copied packet by packet when the container takes its codec as it is
(:data:`AUDIO_OK`), else decoded and re-encoded (:data:`AUDIO_TRANSCODE`: Opus for WebM,
AAC for the others) with its timing kept.  Used by the video file sink, ``-o -`` and
network outputs.

For the video file sink its subtitle tracks go along the same way: copied when the muxer
takes their codec, text subtitles otherwise converted (:data:`SUBTITLE_CONVERT`: mov_text
for MP4 and MOV, SubRip for Matroska, WebVTT for WebM), others left out and said so.
"""

from __future__ import annotations

import logging
import math
import time
from fractions import Fraction
from pathlib import Path

from livecut.errors import ffmpeg_text

log = logging.getLogger("livecut")

#: audio codecs each output takes as they are (others are transcoded, AUDIO_TRANSCODE); an
#: output not listed (``.mkv``, NUT) takes any codec its muxer accepts
AUDIO_OK = {
    ".mp4": {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"},
    ".m4v": {"aac", "ac3", "alac"},  # (the iPod muxer takes no E-AC-3)
    # (QuickTime's own PCM is big-endian: a camera's or an editor's .mov holds it as often;
    # and G.711, 'ulaw'/'alaw', and 8-bit 'raw ', as FFmpeg's muxer writes them)
    ".mov": {"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le",
             "pcm_f64le", "pcm_s16be", "pcm_s24be", "pcm_s32be", "pcm_f32be", "pcm_f64be", "pcm_u8",
             "pcm_mulaw", "pcm_alaw"},
    ".webm": {"opus", "vorbis"},
    # (and G.711, WAVE format tags 7 and 6, as an IP camera records it and ffmpeg -c copy keeps it)
    ".avi": {"mp3", "ac3", "aac", "pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le",
             "pcm_mulaw", "pcm_alaw"},
    # MPEG-TS (``-o -`` with video.pipe_format = "mpegts"): FFmpeg writes others (FLAC,
    # PCM) that no reader can decode
    ".ts": {"aac", "mp3", "mp2", "ac3", "eac3", "opus"},
    ".rtsp": {"aac", "opus"},   # (published to an RTSP server; AAC only with its header, see _copyable)
    ".flv": {"aac", "mp3"},     # (RTMP; MP3 only at the rates FLV can state, see _copyable)
}
#: the MP3 sample rates FLV can state (others fail its header)
FLV_MP3_RATES = (44100, 22050, 11025)
#: the encoder for audio a container cannot take as it is
AUDIO_TRANSCODE = {".webm": "libopus"}
AUDIO_TRANSCODE_DEFAULT = "aac"
#: sample rates libopus accepts (others are resampled to 48 kHz)
OPUS_RATES = (48000, 24000, 16000, 12000, 8000)
#: seconds after the output's start from which an audio stream counts as starting late (AVI)
AVI_LATE_AUDIO = 0.005
#: seconds missing between two frames of a re-encoded audio stream that are filled with
#: silence (see AudioCopy._fill_gap; FFmpeg's aresample fills from 0.1 s too, its min_hard_comp)
AUDIO_GAP = 0.1
#: the byte of silence of each PCM codec AVI or MOV takes copied: AVI's audio has no
#: timestamps, it plays on from packet to packet, and MOV stores PCM as samples of a fixed
#: length, so a gap in a copied PCM track is filled with it (see AudioCopy._fill_copied_gap)
#: (the byte, and a sample's bytes)
PCM_SILENCE = {"pcm_u8": (0x80, 1), "pcm_s16le": (0, 2), "pcm_s24le": (0, 3), "pcm_s32le": (0, 4),
               "pcm_f32le": (0, 4), "pcm_mulaw": (0xFF, 1), "pcm_alaw": (0xD5, 1), "pcm_f64le": (0, 8),
               "pcm_s16be": (0, 2), "pcm_s24be": (0, 3), "pcm_s32be": (0, 4), "pcm_f32be": (0, 4),
               "pcm_f64be": (0, 8)}
#: outputs that play a copied PCM track on from sample to sample, whatever its times (see
#: PCM_SILENCE)
PCM_PLAYED_ON = frozenset({".avi", ".mov"})
#: the codecs of frames AVI takes copied whose gaps are filled with silent frames of their own
#: (see AudioCopy._silent_frame): a phone's AAC, MP3, AC-3
AVI_FRAME_SILENCE = frozenset({"aac", "mp3", "ac3"})
#: MP3 (Layer III) bit rates by bit rate index, kbit/s: MPEG-1's, MPEG-2's and 2.5's
MP3_RATES = ((0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160))
#: samples of silence FFmpeg's AAC encoder puts before the sound (its initial padding)
AAC_PRIMING = 1024
#: outputs whose muxer cannot take a time before 0 after the first packet (MPEG-TS: it wraps,
#: a 2 s clip said 26 h long; FLV and NUT: "Invalid argument", the run failed): a re-encoded
#: AAC stream's lead-in of silence takes its encoder's priming there (see AudioCopy._silence)
NO_TIME_BEFORE_ZERO = frozenset({".ts", ".flv", ".nut"})
#: outputs whose muxer keeps a track that got no packet (MP4 and MOV leave it out): a copied
#: track is added there with its first packet (see AudioCopy)
KEEPS_EMPTY_TRACKS = frozenset({".mkv", ".webm"})
#: outputs whose muxer leaves out a track that got no packet
DROPS_EMPTY_TRACKS = frozenset({".mp4", ".m4v", ".mov"})
#: bytes of packets held back at most while the output's header waits for late audio
HOLD_MAX_BYTES = 64 << 20
#: seconds a subtitle cue waits at most for its end, to be shortened to a cut's (see AudioCopy._put_cues)
CUE_WAIT = 5.0
#: the text subtitle codec each output is given for text subtitles it cannot hold as they are
#: (SubRip from a phone's or an editor's MP4, mov_text from Matroska ...), as FFmpeg converts them
SUBTITLE_CONVERT = {".mp4": "mov_text", ".m4v": "mov_text", ".mov": "mov_text", ".mkv": "subrip",
                    ".webm": "webvtt"}


class AudioCopy:
    """The audio streams of ``src`` (and the subtitle streams of ``subtitles_from``) in
    ``container`` (see the module docstring).

    ``ext`` names the output's kind (``.mp4``, ``.avi``, ``.ts``, ...: which codecs it
    takes, and AVI's peculiarities); ``start`` is the seconds the source took off its
    video's timestamps (the audio is shifted by as much); ``warnings`` receives what was
    dropped or changed.  Use :meth:`open`, which returns None when there is no audio to carry.

    With ``hold=True`` (Matroska, WebM: :data:`KEEPS_EMPTY_TRACKS`; every track copied) the
    tracks are added to the output with their first packets: until each has one (or the run
    ends, or :data:`HOLD_MAX_BYTES` are held) the output's header waits and every packet, the
    video's too (:meth:`mux_video`), is held back.  A track whose sound begins after the end of
    a cut (``--frames N`` before late audio) is then left out, as MP4 leaves it out, not written
    without a packet.  (PyAV cannot take a stream out once the header is written.)
    """

    def __init__(self, container, inp, amap: dict, transcode: set[int], ext: str, start: float,
                 warnings: list[str], deferred: dict | None = None, subtitles: dict | None = None,
                 reorder: dict | None = None):
        self._container = container
        self._audio_in = inp
        self._amap = amap
        self._transcode = transcode  # input audio streams decoded and re-encoded
        self.ext = ext
        self.start = start
        self.warnings = warnings
        self._audio_begun: set[int] = set()  # those whose first frame was encoded (see _lead_in)
        self._aseconds: dict[int, Fraction] = {}  # audio encoded so far, per stream (see _stamp)
        self._aend: dict[int, float] = {}  # per stream: the source time its audio encoded reaches (see _fill_gap)
        self._resamplers: dict[int, tuple] = {}  # per stream: (input format, layout, rate), resampler
        #: per re-encoded stream whose channels come in an order of their own: the order that puts
        #: them in FFmpeg's (see _own_order)
        self._reorder: dict[int, list[int]] = dict(reorder or {})
        chosen = [inp.streams[i] for i in amap]
        self._apackets = _demux(inp, [c for c in chosen if c.type != "subtitle"],
                                [c for c in chosen if c.type == "subtitle"])
        self._pending = None  # a demuxed packet not yet due
        self._copied: set[int] = set()  # the copied input streams that had a packet copied (see _say_late)
        #: per copied stream: its latest packet that ends by the output's 0 (see _before_start)
        self._lead: dict[int, object] = {}
        self._after_start: set[int] = set()  # the copied streams that reached the output's 0
        self._before_zero: dict[int, Fraction] = {}  # per output stream: seconds moved (AVI, see _put)
        #: AVI: the video's frames after its first are moved by this many of its ticks, the
        #: whole ticks of a copied track's priming (see _lead_video); None: not yet known
        self._video_lead: int | None = None
        #: AVI: per re-encoded AAC stream (output index), its encoder's priming its lead-in of
        #: silence did not take (seconds: see _silence)
        self._primed_late: dict[int, Fraction] = {}
        #: per re-encoded stream: samples of its sound still to leave out (see _silence)
        self._trim: dict[int, int] = {}
        #: AVI: per copied PCM, AAC, MP3 or AC-3 stream, the time (output seconds) its packets so
        #: far reach (see _fill_copied_gap)
        self._cend: dict[int, float] = {}
        #: AVI: per copied AAC, MP3 or AC-3 stream, one silent frame of it and its samples (None:
        #: none could be made, said once) (see _silent_frame)
        self._silent: dict[int, tuple[bytes, int] | None] = {}
        self._clast: dict[int, int] = {}  # (and its latest packet's dts, see _fill_copied_gap)
        self._unfilled: set[int] = set()  # (and those of them said to have a gap left unfilled)
        self._video_begun = False
        self._fill_to: float | None = None  # (see finish)
        #: subtitle cues (output packets) muxed once they end or the output does (see _put_cues)
        self._cues: list = []
        self._cut: float | None = None  # where a cut output ends (see finish)
        self._finishing = False
        #: copied input streams not yet added to the output (index: input stream), see hold
        self._deferred = dict(deferred or {})
        self._begun: set[int] = set()  # those of them whose first packet came
        #: packets held back while the header waits: (input audio index, or None for video, packet)
        self._held: list | None = [] if self._deferred else None
        self._held_bytes = 0
        #: subtitle streams carried (index: None to copy, else the encoder to convert to); with
        #: the header held back, added to the output after the audio (see _release)
        self._subtitles = dict(subtitles or {})
        #: per converted subtitle stream: its cues that could not be converted (said at the end)
        self._lost_cues: dict[int, int] = {}
        #: per copied audio stream: its packets the muxer refused as invalid data, left out
        #: (said at the end, see _mux_copied)
        self._refused: dict[int, int] = {}
        if self._deferred:
            self._apackets = _demux(inp, list(self._deferred.values()), [inp.streams[i] for i in self._subtitles])

    @classmethod
    def open(cls, container, src: Path | None, ext: str, start: float,
             warnings: list[str], hold: bool = False, subtitles_from: Path | None = None
             ) -> "AudioCopy | None":
        """See the class; ``subtitles_from`` (the same file as ``src``, or the source when it
        has no audio): its subtitle tracks are carried too."""
        import av

        from livecut.urls import file_for_ffmpeg

        if src is None and subtitles_from is None:
            return None
        allowed = AUDIO_OK.get(ext)  # None: any codec (mkv)
        try:
            inp = av.open(file_for_ffmpeg(src or subtitles_from), "r", metadata_errors="ignore")
        except (av.error.FFmpegError, OSError):
            warnings.append("audio: cannot reopen the input; output has no audio" if src is not None
                            else "subtitles: cannot reopen the input; output has no subtitles")
            return None
        amap = {}
        transcode: set[int] = set()
        reorder: dict[int, list[int]] = {}
        from livecut.sources.file import programme_pids, video_streams

        moving = video_streams(inp)
        # (an MPEG-TS of several programmes: the video's own, as the source reads it)
        pids = programme_pids(inp, moving[0] if moving else None)
        streams = [a for a in inp.streams.audio if pids is None or a.id in pids] if src is not None else []
        for a in streams:
            if a.codec_context is None:  # (a codec FFmpeg does not know: neither read nor copied)
                warnings.append(f"audio stream {a.index}: its codec is one FFmpeg cannot read; dropped")
        streams = [a for a in streams if a.codec_context is not None]
        if "flv" in inp.format.name.split(",") and any(a.codec_context.name == "pcm_u8" for a in streams):
            from livecut.sources.file import flv_made_up_audio

            if flv_made_up_audio(src):  # (its cut tag's: a second, silent track, "5512 Hz resampled")
                streams = [a for a in streams if a.codec_context.name != "pcm_u8"]
        if ext == ".flv" and len(streams) > 1:
            # RTMP's FLV states one audio track: more went as an Enhanced RTMP multitrack
            # stream, which a receiver before it (FFmpeg 5.1's) refused whole, video too ("Could
            # not write header", nothing recorded); the default track goes, as ffmpeg picks one
            from av.stream import Disposition

            keep = next((a for a in streams if int(a.disposition or 0) & int(Disposition.default)), streams[0])
            for a in streams:
                if a is not keep:
                    warnings.append(f"audio stream {a.index}: RTMP carries one audio track (stream "
                                    f"{keep.index}); left out")
            streams = [keep]
        subs = _subtitle_plan(container, inp, ext, warnings, pids) if subtitles_from is not None else {}
        changing = _changing(src, [a for a in streams if (allowed is None or _codec_name(a) in allowed)
                                   and _copyable(a, _codec_name(a), ext)], ext, start) if streams else {}
        for i, (what, _) in changing.items():
            warnings.append(f"audio stream {i} ({_codec_name(inp.streams[i])}): its sound changes part way "
                            f"({what}), which a copy cannot follow; re-encoded")
        if hold and ext in KEEPS_EMPTY_TRACKS and streams and not changing and all(
                _copyable(a, _codec_name(a), ext)
                and (allowed is None or _codec_name(a) in allowed)
                and a.codec_context.codec.name in container.supported_codecs  # (the muxer takes it)
                for a in streams):
            # (every track copied: added in their order once each has a packet; with a track
            # re-encoded, whose encoder is opened now, they are all added now, in order)
            return cls(container, inp, {}, transcode, ext, start, warnings,
                       deferred={a.index: a for a in streams}, subtitles=subs)
        for a in streams:
            name = _codec_name(a)
            # AVI has no start time per stream: audio that begins after the output's 0 is
            # re-encoded with a lead-in of silence (copied, it played that much early)
            late = ext == ".avi" and a.start_time is not None and a.time_base is not None and \
                float(a.start_time * a.time_base) - start > AVI_LATE_AUDIO
            try:
                copied = None
                if (allowed is None or name in allowed) and not late and a.index not in changing \
                        and _copyable(a, name, ext):
                    try:
                        copied = container.add_stream_from_template(a)
                    except (av.error.FFmpegError, ValueError):
                        if allowed is not None:
                            raise
                if copied is not None:
                    amap[a.index] = copied
                else:
                    order = _own_order(a)
                    if order is not None:
                        reorder[a.index] = order
                    amap[a.index] = _audio_encoder(container, a, ext, warnings,
                                                   changing[a.index][1] if a.index in changing else None)
                    transcode.add(a.index)
                _describe_track(amap[a.index], a, ext)
            except (av.error.FFmpegError, ValueError) as exc:
                warnings.append(f"audio stream {a.index} ({name}): {ffmpeg_text(exc)}; dropped")
        _default_first(list(amap.values()))
        amap.update(_add_subtitles(container, inp, subs, ext, warnings))
        if not amap:
            inp.close()
            return None
        return cls(container, inp, amap, transcode, ext, start, warnings,
                   subtitles={i: e for i, e in subs.items() if i in amap}, reorder=reorder)

    def _encode_audio(self, index: int, frames) -> None:
        out = self._amap[index]
        order = self._reorder.get(index)
        for frame in frames:
            if frame is not None and order is not None:
                frame = _reordered(frame, order)
            if frame is not None and index not in self._audio_begun:
                self._audio_begun.add(index)
                self._lead_in(out, frame, index)
            elif frame is not None:
                self._fill_gap(out, frame, index)
            t = _time(frame)
            if t is not None and frame.sample_rate:
                # where the audio encoded so far reaches on the source's clock: the frame's own
                # time only where silence took it there, else the frames' lengths summed (gaps
                # each under AUDIO_GAP, a packet lost here and there, added up unfilled: 50 ms
                # a second, the sound 0.3 s early at 6 s)
                end = self._aend.get(index)
                if end is None or t - end > AUDIO_GAP:
                    end = t
                self._aend[index] = end + frame.samples / frame.sample_rate
            if frame is not None and self._trim.get(index):
                cut = min(self._trim[index], frame.samples)
                self._trim[index] -= cut
                if cut == frame.samples:
                    continue
                frame = _trimmed(frame, cut)
            self._encode_frame(out, frame, index)

    def _encode_frame(self, out, frame, index: int) -> None:
        """Encode one decoded frame (None: flush), through a resampler of this stream's own to
        the encoder's format, layout and rate: a stream whose rate or layout changes (a TV
        recording, parts put together) gets a new one -- PyAV's own, made from the first
        frame, refused the others and failed the run."""
        import av

        cc = out.codec_context
        made = self._resamplers.get(index)
        frames = []
        if frame is None or made is None or made[0] != (frame.format.name, frame.layout.name, frame.sample_rate):
            if made is not None:
                frames += made[1].resample(None)  # (what the old one holds)
            if frame is not None:
                made = ((frame.format.name, frame.layout.name, frame.sample_rate),
                        av.AudioResampler(format=cc.format.name, layout=cc.layout.name, rate=cc.sample_rate,
                                          frame_size=cc.frame_size or None))
                self._resamplers[index] = made
        if frame is not None:
            frames += made[1].resample(frame)
        for f in frames:
            self._stamp(out, f, index)
            for packet in out.encode(f):
                self._put(packet)
        if frame is None:
            for packet in out.encode(None):
                self._put(packet)

    def _stamp(self, out, frame, index: int) -> None:
        """The frame's pts: the audio so far (exact seconds, summed as fractions) in the
        encoder's samples.  The encoder's priming then shows as a negative first timestamp (an
        edit list), not as a late start; rounding each frame's count to the encoder's rate
        instead (44.1 kHz into 48 kHz Opus) ran 1.4 s ahead in an hour."""
        rate = out.codec_context.sample_rate
        done = self._aseconds.get(index, Fraction(0))
        frame.pts = int(round(done * rate))
        frame.time_base = Fraction(1, rate)
        self._aseconds[index] = done + Fraction(frame.samples, frame.sample_rate)

    def _lead_in(self, out, first, index) -> None:
        """Silence before the first frame of a re-encoded audio stream that starts after the
        output's 0 (its encoder counts samples from 0: without it the sound came early)."""
        t = _time(first)
        if t is None or not first.sample_rate:
            return
        self._silence(out, index, t - self.start, first.format.name, first.layout.name,
                      first.sample_rate)

    def _fill_gap(self, out, frame, index: int) -> None:
        """Silence where a re-encoded stream's sound stops for a while (packets missing in a
        long recording, a capture's dropout) before ``frame``: its encoder counts samples (see
        _stamp), so without it the sound after each gap came that much early, the video's
        timing kept (a 2 s gap: the rest of the audio 2 s ahead); short gaps count together
        (see _encode_audio), filled once they come to over :data:`AUDIO_GAP`."""
        end, t = self._aend.get(index), _time(frame)
        if end is None or t is None or not frame.sample_rate or t - end <= AUDIO_GAP:
            return
        self._silence(out, index, t - end, frame.format.name, frame.layout.name, frame.sample_rate,
                      primed=False)

    def _silence(self, out, index: int, seconds: float, fmt: str, layout: str, rate: int,
                 primed: bool = True) -> None:
        """Encode ``seconds`` of silence (in ``fmt``, ``layout`` and ``rate``) into ``out``;
        ``primed``: the stream's lead-in, from which AVI's AAC priming is taken."""
        import av

        left = int(round(seconds * rate))
        if primed and self.ext == ".avi" and out.codec_context.name == "aac":
            # AVI cannot start a stream before 0: the encoder's priming plays as sound time
            priming = int(round(AAC_PRIMING * rate / out.codec_context.sample_rate))
            # (what the lead-in cannot take: the sound that much late, see _lead_video)
            self._primed_late[out.index] = Fraction(max(0, priming - max(0, left)), rate)
            left -= priming
        elif primed and self.ext in NO_TIME_BEFORE_ZERO and out.codec_context.name == "aac" \
                and index not in self._aseconds and left > 0:
            # the encoder's priming goes before its first sample, before 0 where the stream starts
            # there: the muxer moved every stream by as much when the audio came first, but after
            # the video (late audio, whose lead-in comes with its sound; 8 kHz G.711 0.1 s late,
            # its priming 128 ms) it could not; the lead-in's first samples take it, and where
            # it is shorter than the priming, the sound's first samples (the rest at its time)
            self._aseconds[index] = Fraction(AAC_PRIMING, out.codec_context.sample_rate)
            priming = int(round(AAC_PRIMING * rate / out.codec_context.sample_rate))
            if left < priming:
                self._trim[index] = priming - left
            left -= priming
        while left > 0:  # (in pieces of a second at most)
            n = min(left, rate)
            silence = av.AudioFrame(format=fmt, layout=layout, samples=n)
            for plane in _planes(silence):
                plane.update(bytes(plane.buffer_size))
            silence.sample_rate = rate
            self._encode_frame(out, silence, index)
            left -= n

    def end(self) -> None:
        """Flush the audio decoders and encoders of transcoded streams; close the input."""
        import av

        self._release()  # (the end: a track without a packet is left out)
        if self._finishing:
            self._put_cues(None)
        inp, self._audio_in = self._audio_in, None
        if inp is None:
            return
        for i, n in sorted(self._refused.items()):
            packets, were = (f"{n} damaged packets", "were") if n > 1 else ("1 damaged packet", "was")
            self.warnings.append(f"audio stream {i} ({_codec_name(inp.streams[i])}): {packets} could not be "
                                 f"copied and {were} left out (the sound has a gap there)")
        for i, n in sorted(self._lost_cues.items()):
            # (they were left out without a word: a Latin-1 SubRip's, its every cue, into .mp4)
            cues, are = (f"{n} cues", "are") if n > 1 else ("1 cue", "is")
            keep = ("" if self.ext == ".mkv" else " (.mkv keeps them as they are)" if n > 1
                    else " (.mkv keeps it as it is)")
            self.warnings.append(f"subtitle stream {i} ({_codec_name(inp.streams[i])}): {cues} could not be read "
                                 f"(text that is not UTF-8, or damaged) and {are} left out of its "
                                 f"{self._subtitles[i]} track{keep}")
        try:
            # (the decoders' last frames first: a frame-threaded one, FLAC's or ALAC's, gives a
            # frame a packet or more after it -- one a core later --, so a track of a packet or
            # two had given none yet and was taken for one of no sound: the video's length of
            # silence, then its sound, a sound effect 1 s in heard at the end; or, its first
            # frame's time unknown, the run failed, "cannot convert float NaN to integer")
            for i in sorted(self._transcode):
                try:
                    rest = list(inp.streams[i].decode(None))
                except (av.error.FFmpegError, ValueError):
                    rest = []
                for frame in rest:  # (a flush's frames have their pts, not its time base)
                    if frame.pts is not None and frame.time_base is None:
                        frame.time_base = inp.streams[i].time_base
                self._encode_audio(i, rest)
            self._fill_silent()
            for i in sorted(self._transcode):
                self._encode_audio(i, [None])
        finally:
            inp.close()

    def finish(self, until: float | None, video_end: float | None = None) -> None:
        """The rest of the audio up to ``until`` seconds (all of it if None), then :meth:`end`.
        A re-encoded stream whose sound begins after ``until`` (late audio, ``--frames N``)
        gets its lead-in up to ``until``: it was left without a packet (an empty stream); so
        does one that has no sound at all (a track of no packet: an .avi's or a .webm's audio
        stream was empty), up to ``video_end`` when all the audio was asked for."""
        self._fill_to = until if until is not None else video_end
        self._cut, self._finishing = until, True
        self.mux(until)  # (None: to the end, which calls end)
        if until is not None:
            self._say_late(until)
        self.end()

    def _say_late(self, until: float) -> None:
        """Say each copied track whose sound begins after ``until`` (the end of a cut output):
        left out (MP4, MOV; Matroska and WebM, see the class) or empty, it was dropped without a
        word (``--frames 10`` of a clip whose audio starts at 2 s).  Its start: its next packet,
        the one past the cut, or the time the input states it starts at; a track of no packet
        at all, with neither, is not said here."""
        inp = self._audio_in
        if inp is None:  # (its packets all read, none of them past the cut)
            return
        pending = self._pending
        for i in sorted({*self._amap, *self._deferred} - self._transcode - set(self._subtitles) - self._copied):
            a = inp.streams[i]
            if pending is not None and pending.stream.index == i:
                ts = pending.pts if pending.pts is not None else pending.dts
                begins = float(ts * pending.time_base) - self.start
            elif a.start_time is not None and a.time_base is not None:
                begins = float(a.start_time * a.time_base) - self.start
            else:
                continue
            if begins <= until:
                continue
            fate = ("left out" if i in self._deferred or (self.ext in DROPS_EMPTY_TRACKS and i in self._amap)
                    else "its track is empty")
            self.warnings.append(f"audio stream {i} ({_codec_name(a)}): its sound begins at {begins:.2f} s, after "
                                 f"the end of the output at {until:.2f} s; {fate}")

    def _fill_silent(self) -> None:
        """Silence up to ``_fill_to`` for each re-encoded stream that has had no sound (see finish)."""
        if self._fill_to is None:
            return
        for i in sorted(self._transcode - self._audio_begun):
            self._audio_begun.add(i)
            out = self._amap[i]
            cc = out.codec_context
            self._silence(out, i, self._fill_to, cc.format.name, cc.layout.name, cc.sample_rate)

    def close(self) -> None:
        """Close the input without writing more (a failed or abandoned output)."""
        inp, self._audio_in = self._audio_in, None
        if inp is not None:
            inp.close()

    def mux(self, until: float | None) -> None:
        """Copy audio packets with a time up to ``until`` seconds (all of them if None)."""
        import av

        self._put_cues(until)
        if self._audio_in is None:
            return
        while True:
            pkt = self._pending
            if pkt is None:
                try:
                    pkt = next(self._apackets, None)
                except (av.error.FFmpegError, ValueError):
                    pkt = None
                if pkt is None:
                    if not self._transcode - self._audio_begun:
                        self.end()  # (else a re-encoded track has had no sound: its silence at finish)
                    return
                if pkt.size == 0 or pkt.dts is None:  # demuxer flush packets
                    continue
                if pkt.is_corrupt:  # e.g. cut short by the end of a truncated file
                    continue
            # (in the output's time: the source took ``start`` off the video's timestamps)
            t = (float(pkt.pts * pkt.time_base) if pkt.pts is not None else float(pkt.dts * pkt.time_base)) \
                - self.start
            if until is not None and t > until:
                self._pending = pkt
                return
            self._pending = None
            index = pkt.stream.index
            if index in self._subtitles:
                self._subtitle(index, pkt)
                continue
            if index in self._transcode:
                try:
                    frames = pkt.decode()
                except (av.error.FFmpegError, ValueError):
                    continue  # an undecodable audio packet: a short gap, not a failed run
                self._encode_audio(index, frames)
                continue
            if self._before_start(index, pkt, t):
                continue
            lead = self._lead.pop(index, None)
            for p in (pkt,) if lead is None else (lead, pkt):
                self._copy(index, p)

    def _before_start(self, index: int, pkt, t: float) -> bool:
        """Whether copied packet ``pkt`` (``t`` seconds on the output's timeline) ends by the
        output's 0, before the stream's first packet that does not: it is kept back as the
        stream's lead, to go before that packet (the decoder's pre-roll: AAC's priming), and
        the lead it replaces is left out.  The audio an MP4's edit list leaves out (a clip cut
        with ``ffmpeg -ss 0.5 -c copy``: half a second of sound before its first picture) was
        copied whole: an .avi played it, the sound 0.52 s after its picture, and an .mkv began
        with it, its picture 0.52 s late."""
        if index in self._after_start:
            return False
        end = t + (float(pkt.duration * pkt.time_base) if pkt.duration and pkt.time_base else 0.0)
        if end <= 1e-6:
            self._lead[index] = pkt
            return True
        self._after_start.add(index)
        return False

    def _copy(self, index: int, pkt) -> None:
        """Mux (or hold back, see the class) a packet of copied audio stream ``index``."""
        self._copied.add(index)
        self._shift(pkt)
        if self._held is not None:  # (the header waits for each track's first packet)
            self._begun.add(index)
            self._hold(index, pkt)
            if self._held is not None and self._begun >= self._deferred.keys():
                self._release()
            return
        out = self._amap.get(index)
        if out is None:  # (a track that could not be added)
            return
        if (self.ext in PCM_PLAYED_ON and out.codec_context.name in PCM_SILENCE) or \
                (self.ext == ".avi" and _codec_name(self._audio_in.streams[index]) in AVI_FRAME_SILENCE):
            self._fill_copied_gap(index, pkt, out)
        pkt.stream = out
        self._mux_copied(index, pkt)

    def _mux_copied(self, index: int, pkt) -> None:
        """Mux packet ``pkt`` of copied audio stream ``index``; one the muxer refuses as invalid
        data is left out, counted and said at the end (see end).  A damaged packet -- an MPEG-TS
        stream's AAC whose ADTS header was zeroed, the rest of its PES read on as a packet --
        failed the run at the bitstream filter that takes ADTS to MP4's or Matroska's AAC,
        "write failed (Invalid data found when processing input)", exit 1, nothing written."""
        import av

        try:
            self._put(pkt)
        except av.error.InvalidDataError:
            self._refused[index] = self._refused.get(index, 0) + 1

    def _fill_copied_gap(self, index: int, pkt, out) -> None:
        """AVI: silence before copied packet ``pkt`` where the track's sound stops for a while
        (packets missing in a recording, a phone's audio that dropped out): AVI plays its audio
        on from packet to packet, so without it the sound after each gap came that much early
        (50 ms of PCM lost a second: the beep 0.3 s before its flash at 6 s; half a second
        gone from a phone's AAC, the rest of it half a second early); gaps count together,
        filled once over :data:`AUDIO_GAP`, as a re-encoded track's are (see _fill_gap).  PCM
        gets its silent bytes, AAC, MP3 and AC-3 silent frames of their own (see _silent_frame),
        as many as come nearest the gap (what they miss by counts towards the next).  MOV: the
        same for PCM, which it stores as samples of a fixed length, played on whatever their
        times (half a second missing, the sound after it half a second early)."""
        import av

        a = self._audio_in.streams[index]
        tb, rate = pkt.time_base, a.sample_rate
        if not rate or tb is None or pkt.dts is None:
            return
        pcm = PCM_SILENCE.get(out.codec_context.name)
        if pcm is not None:
            align = pcm[1] * a.codec_context.channels
            if not align or pkt.size % align:
                return
            samples = pkt.size // align
        else:
            # (a frame's samples, not the packet's duration: an MP4 gives the packet before a
            # gap the gap's length too; Matroska's AC-3 states none before it is decoded)
            samples = a.codec_context.frame_size or {"aac": 1024, "ac3": 1536}.get(_codec_name(a))
            if _codec_name(a) == "mp3":
                samples = (_silent_mp3(bytes(pkt)[:4]) or (b"", samples))[1]
            if not samples:
                return
        t = float(pkt.dts * tb)
        end, last = self._cend.get(index), self._clast.get(index)
        self._clast[index] = pkt.dts
        if end is None:
            end = t
        elif t - end > AUDIO_GAP:
            gap = t - end
            if pcm is not None:
                # (pieces of a second at most, as a re-encoded track's: a minute's gap was one
                # packet, 11 MB at 48 kHz stereo, 0.7 GB an hour's, held in memory twice)
                n = int(round(gap * rate))
                data = bytes([pcm[0]]) * (min(n, rate) * align)
                sizes = [min(rate, n - k) for k in range(0, n, rate)]
            elif (frame := self._silent_frame(index, pkt, samples)) is None:
                if index not in self._unfilled:  # (said once: the sound after the gap comes early)
                    self._unfilled.add(index)
                    self.warnings.append(
                        f"audio stream {index} ({_codec_name(a)}): its sound stops for {gap:.2f} s at "
                        f"{end:.2f} s, which .avi cannot keep (its audio plays on from packet to packet) "
                        f"and no silence of its codec could fill: the sound after it comes that much "
                        f"early (.mkv, .mp4 and .mov keep it)")
                self._cend[index] = t + samples / rate
                return
            else:
                data, n = frame
                sizes = [n] * int(round(gap * rate / n))
            # (just before the packet, a tick apart in the muxer's time base, a frame's for AAC:
            # at the same tick the muxer refuses them, "Invalid argument"; the packets before it,
            # the gaps under AUDIO_GAP left out, end after ``end``; AVI plays its audio on
            # whatever its times)
            otb = out.time_base
            shift = int(round(self._before_zero.get(out.index, 0) / tb))  # (see _put)
            first, this = (_nearest((d + shift) * tb / otb) for d in (last, pkt.dts))
            sizes = sizes[:max(0, this - first - 1)]
            for i, size in enumerate(sizes):
                silence = av.Packet(data if pcm is None else data[:size * align])
                silence.pts = silence.dts = this - len(sizes) + i
                silence.time_base = otb
                silence.stream = out
                self._container.mux(silence)
            end += sum(sizes) / rate
        self._cend[index] = end + samples / rate

    def _silent_frame(self, index: int, pkt, samples: int) -> tuple[bytes, int] | None:
        """One frame of silence of copied stream ``index``'s codec and its samples (None where
        none can be made, or none of the stream's ``samples``): MP3's from the header of ``pkt``
        (its bit rate, rate and channels: no side information, no sound), AAC-LC's and AC-3's
        from FFmpeg's encoder at the stream's rate and channels (and AC-3's bit rate).  HE-AAC
        (2048 samples a frame, half of them its SBR's, which the encoder cannot write) gets none."""
        import av

        if index in self._silent:
            return self._silent[index]
        a = self._audio_in.streams[index]
        name, frame = _codec_name(a), None
        if name == "mp3":
            frame = _silent_mp3(bytes(pkt)[:4])
        elif (name == "aac" and a.codec_context.profile == "LC") or name == "ac3":
            try:
                enc = av.CodecContext.create(name, "w")
                enc.sample_rate, enc.layout = a.sample_rate, a.layout.name
                enc.format = "fltp"
                if name == "ac3" and a.codec_context.bit_rate:
                    enc.bit_rate = a.codec_context.bit_rate
                enc.open()
                n = enc.frame_size
                packets = []
                for _ in range(3):
                    silence = av.AudioFrame(format="fltp", layout=enc.layout.name, samples=n)
                    for plane in _planes(silence):
                        plane.update(bytes(plane.buffer_size))
                    silence.sample_rate = enc.sample_rate
                    packets += enc.encode(silence)
                packets += enc.encode(None)
                # (one from the middle: the first holds the encoder's start)
                if n == samples and len(packets) >= 2:
                    frame = (bytes(packets[1]), n)
            except (av.error.FFmpegError, ValueError, AttributeError):
                frame = None
        self._silent[index] = frame
        return frame

    def _shift(self, pkt) -> None:
        """Put a copied packet on the output's timeline: the source's start taken off its time."""
        if self.start:
            shift = int(round(self.start / pkt.time_base))
            if pkt.pts is not None:
                pkt.pts -= shift
            pkt.dts -= shift

    def _subtitle(self, index: int, pkt) -> None:
        """Mux (or hold back, see the class) a packet of subtitle stream ``index``, taking
        the source's start off its time; a converted one is decoded and encoded again.  A cue
        shown before the output's 0 (subtitles that begin before the video and audio) is shown
        from 0 for what is left of it, one over by then is left out: written before 0, it put
        the next cues of an .mp4 or .mov at the wrong time and began a Matroska's video late."""
        self._shift(pkt)
        t = pkt.pts if pkt.pts is not None else pkt.dts
        if t < 0:
            if pkt.duration:
                if t + pkt.duration <= 0:
                    return
                pkt.duration += t
            pkt.dts = 0
            if pkt.pts is not None:
                pkt.pts = 0
        if self._held is not None:
            self._hold(index, pkt)
        else:
            pkt = self._output_cue(index, pkt)
            if pkt is not None:
                self._cues.append(pkt)

    def _put_cues(self, until: float | None) -> None:
        """Mux the cues waiting (see _subtitle), in order, up to the first that has not ended by
        ``until`` seconds (all if None: the end), and any shown for :data:`CUE_WAIT` seconds.  A
        cue still shown where a cut output ends (``--frames N``, Ctrl-C) ends there: it ran on
        past the last frame, a 0.4 s cut said 1.5 s long, its last frame held to the cue's end."""
        while self._cues:
            pkt = self._cues[0]
            t = pkt.pts if pkt.pts is not None else pkt.dts
            if until is not None and float((t + (pkt.duration or 0)) * pkt.time_base) > until \
                    and float(t * pkt.time_base) > until - CUE_WAIT:
                return
            self._cues.pop(0)
            if until is None and self._cut is not None and pkt.duration:
                end = int(round(self._cut / pkt.time_base))
                if t >= end:
                    continue
                pkt.duration = min(pkt.duration, end - t)
            self._container.mux(pkt)

    def _put_subtitle(self, index: int, pkt) -> None:
        pkt = self._output_cue(index, pkt)
        if pkt is not None:
            self._container.mux(pkt)

    def _output_cue(self, index: int, pkt):
        """Subtitle packet ``pkt`` of input stream ``index`` as a packet of its output stream
        (converted where it is), or None where it goes nowhere."""
        out = self._amap.get(index)
        if out is None:
            return None
        if self._subtitles[index] is not None:
            pkt = _convert_subtitle(pkt, out)
            if pkt is False:
                self._lost_cues[index] = self._lost_cues.get(index, 0) + 1
            if not pkt:
                return None
        pkt.stream = out
        return pkt

    def mux_video(self, packet) -> None:
        """Mux a packet of the output's video (held back while the header waits, see the class)."""
        if self.ext == ".avi":
            self._lead_video(packet)
        if self._held is None:
            self._container.mux(packet)
        else:
            self._hold(None, packet)

    def _hold(self, index: int | None, packet) -> None:
        self._held.append((index, packet))
        self._held_bytes += packet.size
        if self._held_bytes > HOLD_MAX_BYTES:  # (audio far into the file: every track added now)
            self._release(everything=True)

    def _release(self, everything: bool = False) -> None:
        """Add the held-back tracks that have begun (all of them with ``everything``) in their
        order, then mux what was held: the output's header is written."""
        import av

        held, self._held = self._held, None
        if held is None:
            return
        for i, a in sorted(self._deferred.items()):
            if i not in self._begun and not everything:
                continue  # (no packet before the end: left out, as MP4 leaves it)
            try:
                out = self._container.add_stream_from_template(a)
                _describe_track(out, a, self.ext)
                self._amap[i] = out
            except (av.error.FFmpegError, ValueError) as exc:
                self.warnings.append(f"audio stream {i} ({_codec_name(a)}): {ffmpeg_text(exc)}; dropped")
        _default_first(list(self._amap.values()))
        self._deferred = {}
        # (after the audio, as without the hold)
        self._amap.update(_add_subtitles(self._container, self._audio_in, self._subtitles, self.ext, self.warnings))
        for index, packet in held:
            if index in self._subtitles:
                self._put_subtitle(index, packet)
                continue
            if index is not None:
                out = self._amap.get(index)
                if out is None:
                    continue
                packet.stream = out
                self._mux_copied(index, packet)
                continue
            self._container.mux(packet)

    def _lead_video(self, packet) -> None:
        """AVI: a copied track's priming before 0 (AAC's, 1024 samples: 128 ms at 8 kHz, 64 ms
        at 16 kHz) plays from 0 as sound time (see _put), and so does a re-encoded one's where
        no lead-in of silence takes it (see _silence); the video's frames after its first
        (shown from 0 meanwhile) are moved by its whole ticks, as FFmpeg moves the video: the
        sound came that much after its picture (a beep 128 ms after its flash at 8 kHz).  Under
        a tick (48 kHz: 21 ms) nothing is moved.  (Packets without B-frames: decoding order.)"""
        if packet.dts is None or packet.time_base is None:
            return
        if not self._video_begun:
            self._video_begun = True
            return
        if self._video_lead is None:
            copied = {out.index for i, out in self._amap.items() if i not in self._transcode}
            late = [v for k, v in self._before_zero.items() if k in copied] + list(self._primed_late.values())
            lead = max(late, default=Fraction(0))
            self._video_lead = int(lead / packet.time_base)
        if self._video_lead:
            packet.dts += self._video_lead
            if packet.pts is not None:
                packet.pts += self._video_lead

    def _put(self, packet) -> None:
        """Mux one audio packet.  AVI has no time before 0 (its audio plays from its first
        packet): a stream that starts before it (AAC's priming, copied or encoded) is moved to
        start at 0, as AVI plays it anyway; else the muxer moved every stream by as much, the
        video by a whole frame (a one-frame file said two frames, the second frame came a
        frame late)."""
        if self.ext == ".avi" and packet.dts is not None and packet.time_base is not None:
            index = packet.stream.index
            shift = self._before_zero.get(index)
            if shift is None:
                shift = self._before_zero[index] = max(Fraction(0), -packet.dts * packet.time_base)
            if shift:
                ticks = int(round(shift / packet.time_base))
                if packet.pts is not None:
                    packet.pts += ticks
                packet.dts += ticks
        self._container.mux(packet)


def _time(frame) -> float | None:
    """A decoded audio frame's time (seconds), None when it has none (the frames a decoder's
    flush gives have no time base: PyAV's ``time`` is NaN there)."""
    t = frame.time if frame is not None else None
    return t if t is not None and math.isfinite(t) else None


def _demux(inp, streams: list, extra: list = ()):
    """The packets of ``streams`` (audio), their timestamps mended where the file's jump
    (:class:`livecut.sources.file.Timeline`: from the same packets as the source mends the
    video's, the video's demuxed beside them here); a packet that starts before the one before
    it ends no later (the sound after a join overlapping the sound before it) is left out, as
    a muxer refuses it ("write failed (Invalid argument)", exit 1, no output).  ``extra``
    (subtitles) are read beside them and moved by the offsets the others find.  Where the
    demuxer asks to be called again (EAGAIN: MPEG-TS past a stretch of garbage) or chokes on
    invalid data, it resumes where it is, as the source's does (the audio stopped there)."""
    import av

    from livecut.sources.file import MAX_CONSECUTIVE_ERRORS, MAX_DEMUX_AGAIN, Timeline, video_streams

    moving = video_streams(inp)
    timeline = Timeline(inp, moving[0] if moving else None)
    read = [*(timeline.streams if timeline.active else streams), *extra]
    last = {a.index: None for a in streams}  # per stream: the latest decoding time given
    sparse = {s.index for s in extra}
    again = errors = 0
    while read:
        try:
            for pkt in inp.demux(*read):
                again = errors = 0
                i = pkt.stream.index
                if i in sparse:  # (a subtitle's gaps are no jumps: moved as the others are)
                    timeline.shift(pkt)
                    yield pkt
                    continue
                timeline.mend(pkt)
                if i not in last:
                    continue
                # (also where the video's times do not jump: two clips joined whose audio repeats a
                # time at the join, 1022 ms twice, failed an .mp4 or .mov part way, "write failed
                # (Invalid argument)": its muxer takes no time that is not after the last one's)
                if pkt.size and pkt.dts is not None and pkt.time_base is not None:
                    t = pkt.dts * pkt.time_base
                    if last[i] is not None and t <= last[i]:
                        continue  # (the sound after a join overlaps the sound before it: a packet or two)
                    last[i] = t
                yield pkt
            return
        except av.error.BlockingIOError:
            again += 1
            if again > MAX_DEMUX_AGAIN:
                raise
        except av.error.InvalidDataError:
            errors += 1
            if errors > MAX_CONSECUTIVE_ERRORS:
                raise


#: FFmpeg's channels in its own order (AVChannel 0-29): a layout in another order is "custom"
FFMPEG_CHANNELS = ("FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC", "BC", "SL", "SR", "TC", "TFL", "TFC", "TFR",
                   "TBL", "TBC", "TBR", "DL", "DR", "WL", "WR", "SDL", "SDR", "LFE2", "TSL", "TSR", "BFC", "BFL",
                   "BFR")


def _own_order(a) -> list[int] | None:
    """Make input audio stream ``a``'s decoder safe to read, before it is opened; the order
    that puts its channels in FFmpeg's (a permutation of their indices) when they come in an
    order of their own, else None.  PyAV frees a channel layout in an order of its own (a
    .mov's 7.1 or 6.1 PCM, FL FR FC LFE SL SR BL BR) each time it is read, the decoder's and
    each decoded frame's, and the run died of a double free (exit 134, no output, no message):
    the decoder is given the same channels in FFmpeg's order (a layout PyAV reads safely), and
    the decoded samples are put in that order (:func:`_reordered`)."""
    cc = a.codec_context
    if cc is None:
        return None
    layout = cc.layout  # (read once, kept until the decoder has another)
    names = [ch.name for ch in layout.channels]
    known = len(set(names)) == len(names) and all(n in FFMPEG_CHANNELS for n in names)
    ordered = sorted(names, key=FFMPEG_CHANNELS.index) if known else names
    # (the same layout, or its channels in FFmpeg's order, or as many in no order: none in an
    # order of its own)
    cc.layout = "+".join(ordered) if known else layout.name if names == ordered else f"{len(names)}c"
    del layout
    if ordered == names:
        return None
    return [names.index(n) for n in ordered]


def _nearest(x: Fraction) -> int:
    """``x`` to the nearest whole number, halves away from 0 (as FFmpeg rescales timestamps)."""
    return math.floor(x + Fraction(1, 2)) if x >= 0 else -math.floor(-x + Fraction(1, 2))


def _silent_mp3(header: bytes) -> tuple[bytes, int] | None:
    """A silent MP3 (Layer III) frame (and its samples) of the bit rate, version, rate and
    channels of the frame whose ``header`` is given: its side information all zeros (no main
    data, none from the frames before), no CRC, no padding; None for a header that is not
    Layer III's or of a free bit rate."""
    if len(header) < 4:
        return None
    h = int.from_bytes(header, "big")
    version, layer, bitrate, rate = (h >> 19) & 3, (h >> 17) & 3, (h >> 12) & 15, (h >> 10) & 3
    if h >> 21 != 0x7FF or version == 1 or layer != 1 or bitrate in (0, 15) or rate == 3:
        return None
    mpeg1 = version == 3
    hz = (44100, 48000, 32000)[rate] >> (0 if mpeg1 else 1 if version == 2 else 2)
    kbps = MP3_RATES[0 if mpeg1 else 1][bitrate]
    size = (144 if mpeg1 else 72) * kbps * 1000 // hz
    mono = (h >> 6) & 3 == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    if size < 4 + side:
        return None
    h |= 1 << 16  # (no CRC)
    h &= ~(1 << 9)  # (no padding)
    return h.to_bytes(4, "big") + bytes(size - 4), 1152 if mpeg1 else 576


def _planes(frame) -> list:
    """Audio ``frame``'s planes, only those there are: PyAV counts a ninth of 8 planar
    channels (7.1), and writing it crashed the run, a segmentation fault."""
    return frame.planes[:frame.layout.nb_channels if frame.format.is_planar else 1]


def _reordered(frame, order: list[int]):
    """Decoded audio ``frame`` with its channels taken in ``order`` (see _own_order)."""
    import av
    import numpy as np

    from av.audio.frame import format_dtypes

    n, fmt = len(order), frame.format
    dtype = np.dtype(format_dtypes[fmt.name])
    planes = _planes(frame)
    if fmt.is_planar:
        data = [np.frombuffer(planes[i], dtype, count=frame.samples) for i in order]
    else:
        data = [np.frombuffer(planes[0], dtype, count=frame.samples * n).reshape(-1, n)[:, order]]
    out = av.AudioFrame(format=fmt.name, layout=frame.layout.name, samples=frame.samples)
    for plane, x in zip(_planes(out), data):
        plane.update(np.ascontiguousarray(x).tobytes())
    out.sample_rate, out.pts, out.time_base = frame.sample_rate, frame.pts, frame.time_base
    return out


def _trimmed(frame, n: int):
    """Decoded audio ``frame`` without its first ``n`` samples."""
    import av
    import numpy as np

    from av.audio.frame import format_dtypes

    fmt, count = frame.format, frame.samples - n
    dtype = np.dtype(format_dtypes[fmt.name])
    planes = _planes(frame)
    if fmt.is_planar:
        data = [np.frombuffer(p, dtype, count=frame.samples)[n:] for p in planes]
    else:
        channels = len(frame.layout.channels)
        data = [np.frombuffer(planes[0], dtype, count=frame.samples * channels)[n * channels:]]
    out = av.AudioFrame(format=fmt.name, layout=frame.layout.name, samples=count)
    for plane, x in zip(_planes(out), data):
        plane.update(np.ascontiguousarray(x).tobytes())
    out.sample_rate = frame.sample_rate
    return out


def _codec_name(a) -> str | None:
    """An audio stream's codec (the decoder's name may differ: mp3float for mp3)."""
    return (getattr(a.codec_context.codec, "canonical_name", None) or a.codec_context.name
            if a.codec_context else None)


#: outputs whose tracks have a handler name (MP4, MOV), which players show as a track's name
HANDLER_EXTS = (".mp4", ".m4v", ".mov")
#: handler names FFmpeg gives a track that has none of its own (not carried into Matroska)
DEFAULT_HANDLERS = frozenset({"VideoHandler", "SoundHandler", "SubtitleHandler", "DataHandler"})


#: ISO 639-2 languages of two codes (/T, /B) as the table of QuickTime's own language codes,
#: which FFmpeg writes into a .mov's tracks, knows them (by one form only: the other was
#: written as no language)
MOV_LANGUAGES = {"deu": "ger", "nld": "dut", "zho": "chi", "ell": "gre", "isl": "ice", "sqi": "alb", "mkd": "mac",
                 "hye": "arm", "kat": "geo", "cym": "wel", "eus": "baq", "msa": "may", "fas": "per", "bod": "tib",
                 "mya": "bur", "fre": "fra", "cze": "ces", "rum": "ron", "slo": "slk"}


def track_tags(a, ext: str) -> dict[str, str]:
    """The tags of input stream ``a`` that its copy in an ``ext`` output keeps: its language and
    title (a dub's language, a commentary's title; FFmpeg reads an MP4 track's title as
    "name"; into MOV a language in the form it takes, :data:`MOV_LANGUAGES`), and into MP4
    and MOV its handler name, which players show as the track's name."""
    tags = a.metadata or {}
    out = {}
    for key in ("language", "title"):
        value = tags.get(key) or (tags.get("name") if key == "title" else None)
        if value:
            out[key] = value
    if ext == ".mov" and "language" in out:
        out["language"] = MOV_LANGUAGES.get(out["language"].lower(), out["language"])
    handler = tags.get("handler_name")
    if handler and ext in HANDLER_EXTS and handler not in DEFAULT_HANDLERS:
        out["handler_name"] = handler
    return out


def _describe_track(out, a, ext: str) -> None:
    """Give output stream ``out`` input audio stream ``a``'s tags (:func:`track_tags`) and
    default flag."""
    out.metadata.update(track_tags(a, ext))
    # which track a player picks (a dub flagged default over the original, a commentary):
    # neither a template nor an encoder carries it, and Matroska then flagged no track
    # default, MP4 the first
    out.disposition = int(a.disposition or 0)


def _default_first(outs: list) -> None:
    """Flag the first of output audio streams ``outs`` default where there are several and
    none is, as ffmpeg does: a TV recording's two languages (MPEG-TS flags none) into .mkv or
    .webm were left with no track a player may pick by itself (Matroska's FlagDefault 0 on
    each; MP4's muxer enables the first itself)."""
    from av.stream import Disposition

    if len(outs) > 1 and not any(int(o.disposition or 0) & int(Disposition.default) for o in outs):
        outs[0].disposition = int(outs[0].disposition or 0) | int(Disposition.default)


def _subtitle_plan(container, inp, ext: str, warnings: list[str],
                   pids: set[int] | None = None) -> dict[int, str | None]:
    """The subtitle streams of ``inp`` an ``ext`` output keeps: index -> None (copied: the
    muxer takes the codec) or the encoder a text subtitle is converted to
    (:data:`SUBTITLE_CONVERT`); a picture subtitle the output cannot hold (DVD or Blu-ray
    subtitles into MP4 or WebM) or any into AVI is left out, and said so.  ``pids``: those of the
    video's programme only (see :func:`livecut.sources.file.programme_pids`)."""
    plan: dict[int, str | None] = {}
    for t in inp.streams.subtitles:
        if pids is not None and t.id not in pids:
            continue
        cc = t.codec_context
        codec = cc.codec if cc is not None else None
        if codec is not None and codec.name in container.supported_codecs:
            plan[t.index] = None
        elif codec is not None and codec.text_sub and ext in SUBTITLE_CONVERT:
            plan[t.index] = SUBTITLE_CONVERT[ext]
        else:
            name = codec.canonical_name if codec is not None else "unknown codec"
            lang = (t.metadata or {}).get("language")
            warnings.append(f"subtitle stream {t.index} ({name}{', ' + lang if lang else ''}): a {ext} file "
                            f"cannot hold it; left out{' (.mkv keeps it)' if ext != '.mkv' else ''}")
    return plan


def _add_subtitle(container, t, encoder: str | None, ext: str, warnings: list[str]):
    """The output stream for subtitle stream ``t``: a copy, or a ``encoder`` stream (set up
    from ``t``'s decoder: its styles) that its packets are converted into; None (said) when
    the output refuses it."""
    import av

    try:
        if encoder is None:
            out = container.add_stream_from_template(t)
        else:
            dec = t.codec_context
            if not dec.is_open:
                dec.open(strict=False)
            out = container.add_stream(encoder)
            out.codec_context.subtitle_header = dec.subtitle_header  # (ASS styles: mov_text's)
            out.time_base = out.codec_context.time_base = Fraction(1, 1000)
        _describe_track(out, t, ext)
    except (av.error.FFmpegError, ValueError) as exc:
        warnings.append(f"subtitle stream {t.index} ({_codec_name(t)}): {ffmpeg_text(exc)}; left out")
        return None
    return out


def _add_subtitles(container, inp, plan: dict[int, str | None], ext: str, warnings: list[str]) -> dict:
    """The output streams (index: input stream) of ``inp``'s subtitle streams in ``plan``
    (:func:`_subtitle_plan`) that the output takes (:func:`_add_subtitle`)."""
    added = {}
    for i, encoder in plan.items():
        out = _add_subtitle(container, inp.streams[i], encoder, ext, warnings)
        if out is not None:
            added[i] = out
    return added


def _convert_subtitle(pkt, out):
    """Input subtitle packet ``pkt`` as a packet of ``out`` (its encoder's codec), at the
    same time for as long; None for a packet that shows nothing (an MP4's gap), False for one
    that cannot be converted (its text is not UTF-8: FFmpeg's decoders take no other)."""
    import av

    try:
        sub = pkt.stream.codec_context.decode2(pkt)
        if sub is None or not len(sub):
            return None
        shown = sub.end_display_time - sub.start_display_time
        sub.end_display_time, sub.start_display_time = shown, 0
        packet = out.codec_context.encode_subtitle(sub)
    except (av.error.FFmpegError, ValueError):
        return False  # (a cue that cannot be converted: left out, said, not a failed run)
    tb = out.time_base
    t = pkt.pts if pkt.pts is not None else pkt.dts
    packet.pts = packet.dts = int(round(t * pkt.time_base / tb))
    dur = pkt.duration * pkt.time_base if pkt.duration else Fraction(shown, 1000)
    packet.duration = int(round(dur / tb))
    packet.time_base = tb
    return packet


def _copyable(a, name: str | None, ext: str) -> bool:
    """Whether input audio stream ``a`` (codec ``name``), which ``ext`` takes, can be copied as
    it is: RTP (rtsp://) states AAC from its global header, which AAC taken from MPEG-TS
    (ADTS) lacks, and AVI refuses ADTS under any codec tag but 0x1610 (a copy keeps the
    source's); FLV states MP3 only at 44.1, 22.05 and 11.025 kHz.  (Each failed the stream's
    start, or its first audio packet; such audio is transcoded.)"""
    if ext in (".rtsp", ".avi") and name == "aac":
        return bool(a.codec_context.extradata)
    if ext == ".flv" and name == "mp3":
        return a.codec_context.sample_rate in FLV_MP3_RATES
    return True


#: outputs that keep each copied AAC (ADTS) or MPEG audio frame's own header, which a decoder
#: follows where the stream's channels or rate change (MPEG-TS, and NUT, ``-o -``'s); the others
#: state the track's once, from its first frame (see _changing)
OWN_HEADERS = frozenset({".ts", ".nut"})
#: seconds into the scan of the audio's headers (see _changing) after which the run says it
#: scans: it reads the whole file before the first frame (on a share, a big file: a while)
SCAN_NOTE = 1.0
#: ADTS's sample rates, by its sampling frequency index
ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
#: ADTS's profiles (its audio object type less 1)
ADTS_PROFILES = ("Main", "LC", "SSR", "LTP")


def _frame_params(name: str, data: bytes) -> tuple[str, int, int] | None:
    """The profile, channels and sample rate an AAC (ADTS) or MPEG audio (MP3, MP2) frame
    ``data`` states in its header (channels 0: ADTS's own channel setup), None where it has
    none (AAC from an MP4 or a Matroska file)."""
    if len(data) < 4 or data[0] != 0xFF:
        return None
    if name == "aac":
        if data[1] & 0xF6 != 0xF0:
            return None
        index = (data[2] >> 2) & 15
        channels = ((data[2] & 1) << 2) | (data[3] >> 6)
        return (ADTS_PROFILES[data[2] >> 6], 8 if channels == 7 else channels,
                ADTS_RATES[index] if index < len(ADTS_RATES) else 0)
    h = int.from_bytes(data[:4], "big")
    version, layer, rate = (h >> 19) & 3, (h >> 17) & 3, (h >> 10) & 3
    if h >> 21 != 0x7FF or version == 1 or layer == 0 or rate == 3:
        return None
    hz = (44100, 48000, 32000)[rate] >> (0 if version == 3 else 1 if version == 2 else 2)
    return f"Layer {4 - layer}", 1 if (h >> 6) & 3 == 3 else 2, hz


def _changing(src: Path, streams: list, ext: str, start: float) -> dict[int, tuple[str, tuple[int, int]]]:
    """The audio streams of ``streams`` (to be copied into an ``ext`` output; ``start``: its 0
    on the source's clock) whose frames' channels, sample rate or profile change part way (a
    TV recording's stereo advert, then its 5.1 film; parts put together): per stream, what
    changes, said, and the most channels and the highest rate its frames have.  Copied, such a
    track states its first frame's setup only, and the sound after a change could not be
    decoded ("channel element 1.0 is not allocated") or played at the wrong rate; it is
    re-encoded whole.  A scan of the file's packets before the run (their headers read, nothing
    decoded: 1.5 s for a 30-minute, 445 MB recording, said in a line after :data:`SCAN_NOTE`
    s); streams whose packets have no header (AAC from an MP4) are left after their first."""
    import av

    from livecut.urls import file_for_ffmpeg

    names = {a.index: _codec_name(a) for a in streams if ext not in OWN_HEADERS}
    names = {i: n for i, n in names.items() if n in ("aac", "mp3", "mp2", "mp1")}
    first: dict[int, tuple] = {}
    widest: dict[int, tuple[int, int]] = {}
    changed: dict[int, str] = {}
    said = False
    t0 = time.monotonic()
    try:
        with av.open(file_for_ffmpeg(src), "r", metadata_errors="ignore") as inp:
            while names:
                for pkt in inp.demux(*[inp.streams[i] for i in names]):
                    i = pkt.stream.index
                    if not said and time.monotonic() - t0 >= SCAN_NOTE:
                        # (nothing was said while the whole file was read: the run seemed stuck)
                        said = True
                        log.info("%s: reading the audio's frame headers through the whole file%s before the "
                                 "run, for a change of channels or rate that a copy cannot follow", src, _size_of(src))
                    if not pkt.size:
                        continue
                    params = _frame_params(names[i], bytes(memoryview(pkt)[:4]))
                    if params is None:
                        if i not in first:
                            del names[i]
                            break  # (demuxed again without it)
                        continue
                    was = first.setdefault(i, params)
                    w = widest.get(i, (0, 0))
                    widest[i] = (max(w[0], params[1]), max(w[1], params[2]))
                    if params != was and i not in changed:
                        t = float(pkt.pts * pkt.time_base) if pkt.pts is not None and pkt.time_base else None
                        what = [f"{x} to {y}{unit}" for x, y, unit in zip(was, params, ("", " channels", " Hz"))
                                if x != y]
                        changed[i] = ", ".join(what) + (f" at {max(t - start, 0):.1f} s" if t is not None else "")
                else:
                    break
    except (av.error.FFmpegError, OSError):
        pass  # (read as far as it goes: the run says what it cannot read)
    return {i: (changed[i], widest[i]) for i in changed}


def _size_of(path: Path) -> str:
    """`` (445 MB)``, the size of file ``path``; empty where it cannot be read."""
    try:
        return f" ({Path(path).stat().st_size / 1e6:.0f} MB)"
    except OSError:
        return ""


def _encoder_rate(codec: str, rate: int) -> int:
    """A sample rate ``codec`` encodes: ``rate`` itself when it takes it, else the nearest it
    takes above (the least loss), else its highest.  (FFmpeg's AAC encoder stops at 96 kHz and
    knows only the usual rates: 192 kHz PCM from a field recorder, or 37.8 kHz, failed the
    run as "write failed (Invalid argument)".)"""
    import av

    try:
        rates = list(av.codec.Codec(codec, "w").audio_rates or ())
    except (av.error.FFmpegError, ValueError, av.codec.codec.UnknownCodecError):
        rates = []
    if not rates or rate in rates:
        return rate
    return min((r for r in rates if r >= rate), default=max(rates))


#: outputs whose re-encoded audio keeps more than two channels (5.1, 7.1) where the encoder
#: takes them (a stream, RTMP's FLV above all, is sent as stereo)
SURROUND_EXTS = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm"})
#: the layout tried for a count of channels whose own layout the encoder refuses (or has none)
SURROUND_BY_COUNT = {3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


#: side channels a usual layout holds as back ones (5.1(side) as 5.1)
SIDE_AS_BACK = {"SL": "BL", "SR": "BR"}

#: the layouts of more than two channels FFmpeg's AAC encoder writes so that they are read back
#: as written (others, in a channel map of its own: hexagonal, 7.1(wide), 3.1, 6.1 ..., as '6
#: channels', each channel's place lost -- a player takes 6 as 5.1)
AAC_READABLE = frozenset({"2.1", "3.0", "3.0(back)", "4.0", "quad", "5.0", "5.1", "7.1"})


def _places(names: list[str]) -> set[str] | None:
    """The channels ``names`` as a usual layout holds them (side ones as back ones:
    :data:`SIDE_AS_BACK`); None where one is unnamed (a Matroska's or an AVI's PCM)."""
    if not all(n in FFMPEG_CHANNELS for n in names):
        return None
    return {SIDE_AS_BACK.get(n, n) for n in names}


def _held(layout: str) -> set[str]:
    """The channels of ``layout`` (a name)."""
    import av

    return {ch.name for ch in av.AudioLayout(layout).channels}


def _surround_layout(codec: str, cc, rate: int) -> str | None:
    """The layout of more than two channels (decoder ``cc``'s) that ``codec`` encodes: the
    usual one of its count where it holds the same channels (DTS's and AC-3's 5.1(side) as
    5.1: AAC wrote it with a channel map that players may not read, Opus refused it), else
    the stream's own (2.1 as 3.0 lost its LFE, a silent centre in its place), else (one with
    an LFE) the least usual one that holds them all, silent where the stream has none (Opus
    takes no 2.1: 5.1), else the usual one -- for AAC, only those of :data:`AAC_READABLE`
    before the usual one; None when it takes none (then it is mixed down to stereo)."""
    import av

    usual = SURROUND_BY_COUNT.get(cc.channels)
    own = cc.layout
    name, places = own.name, _places([ch.name for ch in own.channels])
    del own
    if usual is None or places is None or places == _held(usual):
        tries = [usual, name]
    else:
        wider = [w for w in SURROUND_BY_COUNT.values() if "LFE" in places and places < _held(w)
                 and (codec != "aac" or w in AAC_READABLE)]
        own = [name] if codec != "aac" or name in AAC_READABLE else []
        tries = [*own, *wider[:1], usual]
    for layout in dict.fromkeys(tries):
        if layout is None:
            continue
        try:
            trial = av.CodecContext.create(codec, "w")
            trial.layout, trial.sample_rate = layout, rate
            trial.format = av.codec.Codec(codec, "w").audio_formats[0]
            trial.time_base = Fraction(1, rate)
            trial.open()
        except (av.error.FFmpegError, ValueError, IndexError, TypeError):
            continue
        if trial.channels == (cc.channels if layout in (name, usual) else len(_held(layout))):
            return layout
    return None


#: how a warning names the stream outputs' kinds (their ``ext`` names no file: "mixed down to stereo
#: for .ts (.mkv keeps them as they are)" was said of -o udp://... and of -o - as MPEG-TS, where no
#: .ts was asked for), and what keeps a track's channels instead
_STREAM_KIND_SAID = {".ts": "MPEG-TS", ".flv": "RTMP", ".rtsp": "RTSP"}
_STREAM_KEEPS = "a .mkv file, or -o - as NUT, keeps them as they are"


def _audio_encoder(container, a, ext: str, warnings: list[str], widest: tuple[int, int] | None = None):
    """An output stream that re-encodes input audio stream ``a`` (see AUDIO_TRANSCODE);
    ``widest``: the most channels and the highest rate its frames have, where they change
    (see _changing: the part after a change is not mixed down, nor resampled down)."""
    codec = AUDIO_TRANSCODE.get(ext, AUDIO_TRANSCODE_DEFAULT)
    cc = a.codec_context
    said = _STREAM_KIND_SAID.get(ext, ext)
    keeps = _STREAM_KEEPS if ext in _STREAM_KIND_SAID else ".mkv keeps them as they are"
    rate = max(cc.sample_rate or 48000, widest[1] if widest else 0)
    if codec == "libopus":
        rate = rate if rate in OPUS_RATES else 48000
    elif (taken := _encoder_rate(codec, rate)) != rate:
        rate = taken
        warnings.append(f"audio stream {a.index}: {cc.sample_rate} Hz resampled to {rate} Hz for {said} "
                        f"(the {codec} encoder does not take {cc.sample_rate} Hz)")
    # (from the count: a demuxer may give "2 channels", an unordered layout the encoders refuse)
    layout = "mono" if cc.channels == 1 and not (widest and widest[0] > 1) else "stereo"
    if widest and widest[0] > max(cc.channels, 2) and widest[0] in SURROUND_BY_COUNT:
        # (a TV recording's stereo advert, then its 5.1 film: the film keeps its channels)
        surround = SURROUND_BY_COUNT[widest[0]] if ext in SURROUND_EXTS else None
        if surround is not None:
            layout = surround
        else:
            warnings.append(f"audio stream {a.index}: {widest[0]} channels mixed down to stereo "
                            f"for {said} ({keeps})")
    elif cc.channels > 2:
        surround = _surround_layout(codec, cc, rate) if ext in SURROUND_EXTS else None
        if surround is not None:
            layout = surround
        else:
            warnings.append(f"audio stream {a.index}: {cc.channels} channels mixed down to stereo "
                            f"for {said} ({keeps})")
    s = container.add_stream(codec, rate=rate)
    s.layout = layout
    if codec == "aac" and cc.bit_rate is None:
        s.bit_rate = 64000 * s.codec_context.channels
    s.time_base = Fraction(1, rate)
    a.thread_type = "AUTO"
    return s
